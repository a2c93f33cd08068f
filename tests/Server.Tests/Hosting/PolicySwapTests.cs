using System.Net.Http.Json;
using System.Text.Json;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Hubs;
using CoopAgent.Server.Retraining;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CoopAgent.Server.Tests.Hosting;

/// <summary>A running server (real engine, a tiny saved policy in a temporary policies folder, the pointer read
/// every 100 ms) follows promotions and rollbacks without a restart, records each turn with the version that
/// produced it, and keeps serving when a promoted folder is broken.</summary>
public sealed class PolicySwapTests : IDisposable
{
    private readonly string _policies = Directory.CreateTempSubdirectory("coop-policies-").FullName;

    private string BaseFolder => Path.Combine(_policies, "default");

    public PolicySwapTests() => SavePolicy(BaseFolder, seed: 1, name: "default");

    public void Dispose() => Directory.Delete(_policies, recursive: true);

    private static void SavePolicy(string folder, long seed, string name)
    {
        var tokenizer = CompactTokenizer.Build([]);
        using var policy = TextPolicy.CreateUntrained(seed, tokenizer, new GptConfig(tokenizer.Count, ContextLength: 256, Layers: 1, Heads: 2, Width: 16));
        policy.Save(folder, CheckpointManifest.Create(name));
    }

    private ServerFactory Server() => new(scripted: false, settings: new Dictionary<string, string>
    {
        ["policy"] = BaseFolder,
        ["policy-poll"] = "100ms",
    });

    private string Promote(long seed, LearnedPrior? prior = null)
    {
        var candidate = Path.Combine(_policies, $"candidate-{seed}");
        SavePolicy(candidate, seed, $"candidate-{seed}");
        prior?.Save(candidate);
        return new PolicyVersions(BaseFolder).Promote(candidate, new PromotionRecord(new Dictionary<string, int>(), new Dictionary<string, double>(), ["test"]));
    }

    private static async Task<string> ServingVersionAsync(ServerFactory factory)
    {
        using var http = factory.CreateClient();
        return (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("policy").GetProperty("version").GetString()!;
    }

    private static async Task WaitForVersionAsync(ServerFactory factory, string version)
    {
        for (var i = 0; i < 100 && await ServingVersionAsync(factory) != version; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(version, await ServingVersionAsync(factory));
    }

    /// <summary>One message in a fresh session; the policy version its turn was recorded with.</summary>
    private static async Task<string> RecordedVersionOfATurnAsync(ServerFactory factory, HubConnection hub, string userId)
    {
        await hub.InvokeAsync<SessionView>("StartScenario", "canonical-cat");
        ChatEvent? last = null;
        await foreach (var item in hub.StreamAsync<ChatEvent>("SendMessage", "I'm thirsty"))
        {
            last = item;
        }

        Assert.Equal("done", last?.Kind);
        var recorded = factory.Services.GetRequiredService<FeedbackStore>().GetTurn(userId, last!.TurnId!)!.PolicyVersion;
        Assert.Equal(recorded, last.PolicyVersion);
        return recorded;
    }

    [Fact]
    public async Task A_promoted_version_then_a_rollback_are_picked_up_without_a_restart_and_each_turn_records_its_version()
    {
        using var factory = Server();
        var user = await factory.NewUserAsync();
        var userId = await factory.UserIdAsync(user.Token);
        await using var hub = await factory.ConnectAsync(user.Token);
        Assert.Equal("default", await ServingVersionAsync(factory));
        Assert.Equal("default", await RecordedVersionOfATurnAsync(factory, hub, userId));

        var promoted = Promote(seed: 2);
        Assert.Equal("default-v2", promoted);
        await WaitForVersionAsync(factory, promoted);
        Assert.Equal(promoted, await RecordedVersionOfATurnAsync(factory, hub, userId));

        Assert.Equal("default", new PolicyVersions(BaseFolder).Rollback());
        await WaitForVersionAsync(factory, "default");
        Assert.Equal("default", await RecordedVersionOfATurnAsync(factory, hub, userId));
    }

    [Fact]
    public async Task A_broken_promoted_folder_leaves_the_old_version_serving_and_a_later_good_one_still_swaps_in()
    {
        using var factory = Server();
        var user = await factory.NewUserAsync();
        var userId = await factory.UserIdAsync(user.Token);
        await using var hub = await factory.ConnectAsync(user.Token);
        Assert.Equal("default", await ServingVersionAsync(factory));

        // A version whose weights were damaged after promotion: its manifest's hash no longer matches.
        var broken = Path.Combine(_policies, "default-v2");
        SavePolicy(broken, seed: 3, name: "default-v2");
        await File.WriteAllBytesAsync(Path.Combine(broken, "weights.bin"), [1, 2, 3]);
        await File.WriteAllTextAsync(new PolicyVersions(BaseFolder).PointerFile, "default-v2");
        await Task.Delay(500); // several polls

        Assert.Equal("default", await ServingVersionAsync(factory));
        Assert.Equal("default", await RecordedVersionOfATurnAsync(factory, hub, userId));

        var good = Promote(seed: 4);
        await WaitForVersionAsync(factory, good);
        Assert.Equal(good, await RecordedVersionOfATurnAsync(factory, hub, userId));
    }

    [Fact]
    public async Task A_promoted_versions_learned_prior_is_the_prior_of_new_sessions_in_that_household()
    {
        using var factory = Server();
        var user = await factory.NewUserAsync();
        await using var hub = await factory.ConnectAsync(user.Token);
        static double OrderFood(SessionView session) => session.Belief.Hypotheses.Single(h => h.Label == "order-food").Probability;
        var before = OrderFood(await hub.InvokeAsync<SessionView>("StartScenario", "canonical-cat"));

        // Most parents asked said "order something": the retrained version carries that as the household's prior.
        var learned = new LearnedPrior(new Dictionary<string, HouseholdPrior>
        {
            ["canonical-cat"] = new(new Dictionary<string, double> { ["order-food"] = 0.9, ["wait-for-me"] = 0.1 }, Answers: 12),
        });
        await WaitForVersionAsync(factory, Promote(seed: 5, learned));

        var after = OrderFood(await hub.InvokeAsync<SessionView>("StartScenario", "canonical-cat"));
        Assert.True(after > before + 0.2, $"order-food {before:0.00} → {after:0.00}");
    }
}
