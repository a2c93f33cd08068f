using System.Net.Http.Headers;
using System.Net.Http.Json;
using CoopAgent.Server.Identity;
using CoopAgent.Server.Sessions;
using CoopAgent.Server.Tests.Hubs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CoopAgent.Server.Tests;

/// <summary>The server in memory (TestServer) with its own data folder, an operator token and optional
/// extra settings; <paramref name="scripted"/> swaps the agent for the scripted test engine, and
/// <paramref name="services"/> replaces any other service.</summary>
public sealed class ServerFactory(bool scripted = true, IReadOnlyDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string OperatorToken = "operator-secret-for-tests";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("coop-server-test-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("data", DataDirectory);
        builder.UseSetting("operator-token", OperatorToken);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }

        if (scripted)
        {
            builder.ConfigureTestServices(s => s.AddSingleton<IConversationEngine, ScriptedConversationEngine>());
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>A new person: their token from POST /api/identity.</summary>
    public async Task<IssuedIdentity> NewUserAsync()
    {
        using var client = CreateClient();
        var response = await client.PostAsync("/api/identity", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IssuedIdentity>())!;
    }

    /// <summary>An HTTP client that sends <paramref name="token"/> as a bearer header.</summary>
    /// <summary>The user id behind a token, as <c>GET /api/me</c> tells it.</summary>
    public async Task<string> UserIdAsync(string token)
    {
        using var client = ClientWith(token);
        return (await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me")).GetProperty("userId").GetString()!;
    }

    /// <summary>Polls <paramref name="condition"/> every 20 ms for up to 30 seconds (a loaded two-core machine can keep
    /// the server's pool threads waiting for seconds), then asserts it.</summary>
    public static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    /// <inheritdoc cref="WaitUntilAsync(Func{bool})"/>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the condition did not hold within 30 s");
            await Task.Delay(20);
        }
    }

    public HttpClient ClientWith(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A started hub connection for <paramref name="token"/>.</summary>
    public async Task<HubConnection> ConnectAsync(string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "hubs/chat"), options =>
            {
                options.HttpMessageHandlerFactory = _ => Server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The database file may still be closing; a temp folder left behind is harmless.
        }
    }
}
