using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Retraining;

namespace CoopAgent.Server.Tests.Cli;

/// <summary><c>coopagent rollback</c> and the refusals of <c>coopagent retrain</c> that come before any training.</summary>
[Collection(nameof(ConsoleUsers))]
public sealed class RollbackVerbTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "coop-rollback-" + Guid.NewGuid().ToString("N"));

    public RollbackVerbTests()
    {
        PolicyFolder = Path.Combine(_root, "policies", "default");
        var tokenizer = CompactTokenizer.Build([]);
        using var policy = TextPolicy.CreateUntrained(1, tokenizer, new GptConfig(tokenizer.Count, ContextLength: 32, Layers: 1, Heads: 1, Width: 8));
        policy.Save(PolicyFolder, CheckpointManifest.Create("default"));
    }

    private string PolicyFolder { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Rollback_prints_the_version_it_returned_to_and_fails_in_a_sentence_when_there_is_none()
    {
        var versions = new PolicyVersions(PolicyFolder);
        versions.Promote(PolicyFolder, new PromotionRecord(new Dictionary<string, int>(), new Dictionary<string, double>(), ["test"]));
        Assert.Equal("default-v2", versions.CurrentVersion);

        var (code, output, _) = await CliRunner.RunAsync("rollback", "--policy", PolicyFolder);
        Assert.Equal(0, code);
        Assert.Contains("rolled back: default serves again (was default-v2)", output, StringComparison.Ordinal);
        Assert.Equal("default", versions.CurrentVersion);

        (code, _, var error) = await CliRunner.RunAsync("rollback", "--policy", PolicyFolder);
        Assert.Equal(1, code);
        Assert.Contains("no earlier version to roll back to", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_and_retrain_refuse_a_policy_folder_that_is_not_there()
    {
        var missing = Path.Combine(_root, "nowhere", "default");
        var (code, _, error) = await CliRunner.RunAsync("rollback", "--policy", missing);
        Assert.Equal(1, code);
        Assert.Contains("no policy folder there", error, StringComparison.Ordinal);

        var db = FeedbackDatabase(withFeedback: true);
        (code, _, error) = await CliRunner.RunAsync("retrain", "--db", db, "--policy", missing, "--out", Path.Combine(_root, "run"));
        Assert.Equal(1, code);
        Assert.Contains("no policy folder there", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "run")));
    }

    [Fact]
    public async Task Retrain_on_a_database_without_feedback_says_so_and_promotes_nothing()
    {
        var db = FeedbackDatabase(withFeedback: false);
        var (code, _, error) = await CliRunner.RunAsync("retrain", "--db", db, "--policy", PolicyFolder, "--out", Path.Combine(_root, "run"), "--preset", "tiny");
        Assert.Equal(1, code);
        Assert.Contains("no feedback gives a preference pair", error, StringComparison.Ordinal);
        Assert.Equal(["default"], new PolicyVersions(PolicyFolder).Versions);
    }

    [Fact]
    public async Task Retrain_resume_without_a_run_folder_is_a_usage_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("retrain", "--db", FeedbackDatabase(withFeedback: true), "--resume");
        Assert.Equal(2, code);
        Assert.Contains("--resume needs --out", error, StringComparison.Ordinal);
    }

    private string FeedbackDatabase(bool withFeedback)
    {
        using var store = new FeedbackStore(Path.Combine(_root, "data-" + Guid.NewGuid().ToString("N")));
        var user = store.CreateUser().User.Id;
        var turn = new TurnRecord { Id = "t1", SessionId = "s1", UserId = user, Prompt = "<|bos|><|obs|>kitchen<|user|>tea?<|assistant|>", Candidates = ["say \"yes\"", "say \"no\""], Reply = "say \"yes\"", PolicyVersion = "default", CreatedUtc = DateTime.UtcNow };
        store.AddTurn(turn);
        if (withFeedback)
        {
            store.SaveFeedback(user, turn.Id, FeedbackKind.Comparison, f => f.Choice = "a");
        }

        return store.Path;
    }
}
