using CoopAgent.Server.Feedback;
using CoopAgent.Server.Hosting;
using CoopAgent.Server.Identity;

namespace CoopAgent.Server;

/// <summary>Builds the chat server: the table of contents of the web host. <c>coopagent serve</c> and the
/// tests' <c>WebApplicationFactory</c> both come through here.</summary>
public static class ServerApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ? null : ContentRoot(),
        });

        // Request-by-request framework logs drown the server's own; configuration can still turn them up.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton(sp => ServerOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddFeedbackStore();
        builder.Services.AddCoopIdentity();
        builder.Services.AddCoopRateLimits();
        builder.Services.AddChat();
        builder.Services.AddPolicyLifecycle();

        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapIdentityApi();
        app.MapFeedbackApi();
        app.MapChat();
        return app;
    }

    /// <summary>The folder whose <c>wwwroot</c> holds the web client: the program folder after a build,
    /// else <c>src/Server</c> under the current directory, else the current directory.</summary>
    private static string ContentRoot()
    {
        string[] candidates = [AppContext.BaseDirectory, Path.Combine(Directory.GetCurrentDirectory(), "src", "Server")];
        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "wwwroot", "index.html"))) ?? Directory.GetCurrentDirectory();
    }
}
