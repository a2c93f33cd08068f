using System.Net.Http.Json;
using System.Text.Json;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Hosting;
using CoopAgent.Server.Retraining;
using CoopAgent.Server.Tests.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace CoopAgent.Server.Tests.Hosting;

[Collection(nameof(ConsoleUsers))]
public sealed class ScheduledRetrainingTests : IDisposable
{
    private readonly string _policy = Directory.CreateTempSubdirectory("coop-policy-").FullName;

    public void Dispose() => Directory.Delete(_policy, recursive: true);

    [Theory]
    [InlineData("30m", 30 * 60_000)]
    [InlineData("2h", 2 * 3_600_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("45s", 45_000)]
    [InlineData("1d", 86_400_000)]
    public void A_duration_is_a_positive_number_and_a_unit(string text, double milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("m")]
    [InlineData("-5m")]
    [InlineData("0s")]
    [InlineData("5 minutes")]
    [InlineData("2w")]
    [InlineData("1e3s")]
    public void Anything_else_is_not_a_duration(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData("--retrain-every", "30")]
    [InlineData("--retrain-every", "soon")]
    [InlineData("--policy-poll", "0s")]
    [InlineData("--retrain-preset", "huge")]
    [InlineData("--inference-lanes", "0")]
    [InlineData("--inference-lanes", "two")]
    [InlineData("--precision", "half")]
    public async Task Serve_refuses_a_bad_schedule_as_a_usage_error(string option, string value)
    {
        var (code, _, error) = await CliRunner.RunAsync("serve", option, value, "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains(option.TrimStart('-'), error);
    }

    [Fact]
    public async Task The_schedule_retrains_the_servers_own_database_one_run_at_a_time_and_resumes_after_a_crash()
    {
        var runner = new ScriptedRunner();
        using var factory = new ServerFactory(
            settings: new Dictionary<string, string> { ["retrain-every"] = "100ms", ["policy"] = _policy },
            services: s => s.AddSingleton<IRetrainRunner>(runner));
        using var http = factory.CreateClient();
        Assert.Equal("ok", (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("status").GetString());

        // The first run crashes; while the second runs (held), ticks are skipped, and chat answers meanwhile.
        await ServerFactory.WaitUntilAsync(() => runner.Requests.Count >= 2);
        await Task.Delay(400);
        Assert.Equal(2, runner.Requests.Count);
        Assert.Equal("ok", (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("status").GetString());
        runner.Release.SetResult();
        await ServerFactory.WaitUntilAsync(() => runner.Requests.Count >= 3);

        List<RetrainRequest> requests;
        lock (runner.Requests)
        {
            requests = runner.Requests.Take(3).ToList();
        }

        var store = factory.Services.GetRequiredService<FeedbackStore>();
        Assert.All(requests, r => Assert.Equal(store.Path, r.Db));
        Assert.All(requests, r => Assert.StartsWith(Path.Combine(Path.GetFullPath(factory.DataDirectory), "retrain"), r.OutFolder, StringComparison.Ordinal));
        Assert.All(requests, r => Assert.Equal(Path.GetFullPath(_policy), Path.GetFullPath(r.PolicyFolder)));
        Assert.False(requests[0].Resume);
        Assert.True(requests[1].Resume);
        Assert.Equal(requests[0].OutFolder, requests[1].OutFolder);
        Assert.False(requests[2].Resume);
        Assert.NotEqual(requests[1].OutFolder, requests[2].OutFolder);
    }

    /// <summary>Run 1 crashes, run 2 waits for <see cref="Release"/> and the gate keeps the serving policy, later runs return at once.</summary>
    private sealed class ScriptedRunner : IRetrainRunner
    {
        public List<RetrainRequest> Requests { get; } = [];

        public TaskCompletionSource Release { get; } = new();

        public RetrainResult Run(RetrainRequest request, CancellationToken cancellationToken)
        {
            int count;
            lock (Requests)
            {
                Requests.Add(request);
                count = Requests.Count;
            }

            if (count == 1)
            {
                throw new InvalidOperationException("simulated crash in PPO");
            }

            if (count == 2)
            {
                Release.Task.Wait(TimeSpan.FromSeconds(10), cancellationToken);
            }

            return new RetrainResult(false, null, ["held-out pairs: candidate not better"], new Dictionary<string, double>(), new Dictionary<string, int>(), request.OutFolder);
        }
    }
}
