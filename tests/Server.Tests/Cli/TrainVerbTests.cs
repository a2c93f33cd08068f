using System.Text.Json;
using CoopAgent.Agent.Pipeline;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Policy;
using CoopAgent.Server.Cli;
using TorchSharp;

namespace CoopAgent.Server.Tests.Cli;

/// <summary>
/// One tiny training run, shared by the tests below: it is killed (an exception from an observer, as a crash
/// would) during PPO iteration 2, then resumed with <c>--resume</c> semantics to the end.
/// </summary>
public sealed class TinyRunFixture : IDisposable
{
    public TinyRunFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "coopagent-train-" + Guid.NewGuid().ToString("N"));
        var request = new TrainingRequest(TrainingPreset.Tiny, "ppo", Folder, Seed: 3, torch.CPU, Resume: false, "test");
        try
        {
            TrainVerb.Train(request, interactive: false, CancellationToken.None, new CrashAt("ppo", 2));
        }
        catch (SimulatedCrash)
        {
            StateAfterCrash = RunState.Read(Folder);
        }

        Result = TrainVerb.Train(request with { Resume = true }, interactive: false, CancellationToken.None);
        StateAfterResume = RunState.Read(Folder)!;
    }

    public string Folder { get; }

    public RunState? StateAfterCrash { get; }

    public RunState StateAfterResume { get; }

    public TrainingResult Result { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public class TrainVerbTests(TinyRunFixture run) : IClassFixture<TinyRunFixture>
{
    [Fact]
    public void A_run_killed_during_ppo_resumes_from_its_last_iteration_and_finishes()
    {
        Assert.NotNull(run.StateAfterCrash);
        Assert.Contains("sft", run.StateAfterCrash!.Completed);
        Assert.Contains("reward", run.StateAfterCrash.Completed);
        Assert.DoesNotContain("ppo", run.StateAfterCrash.Completed);
        Assert.Equal(1, run.StateAfterCrash.PpoIterationsDone);

        Assert.Contains("ppo", run.StateAfterResume.Completed);
        Assert.Contains("policy", run.StateAfterResume.Completed);
        Assert.Equal(TrainingPreset.Tiny.PpoIterations, run.StateAfterResume.PpoIterationsDone);

        // The resumed run did not redo PPO iteration 1: metrics.jsonl has exactly one row per iteration
        // (the crash struck inside iteration 2's report, after its row was written, so 2 appears twice).
        var ppoRows = File.ReadLines(Path.Combine(run.Folder, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("stage").GetString() == "ppo")
            .Select(r => r.GetProperty("step").GetInt32())
            .ToList();
        Assert.Equal(1, ppoRows.Count(s => s == 1));
        Assert.Contains(TrainingPreset.Tiny.PpoIterations, ppoRows);

        // The resumable points carry Adam's moments, so a resumed run continues its optimizer rather than restarting it.
        var actor = CheckpointStore.LoadGpt(Path.Combine(run.Folder, "stages", "ppo-actor"));
        actor.Model.Dispose();
        Assert.True(actor.CanResume);
        Assert.True(File.Exists(Path.Combine(run.Folder, "stages", "ppo-critic", CheckpointStore.OptimizerFile)));
    }

    [Fact]
    public void The_finished_policy_loads_and_writes_a_turn_and_its_manifest_says_how_it_was_made()
    {
        using var policy = TextPolicy.Load(run.Result.PolicyFolder);
        var turns = policy.Sample("kitchen: fridge (closed). you are in the kitchen.", [new ChatTurn(ChatRole.User, "make me a drink")], 2,
            new Alignment.Generation.SamplingOptions(MaxNewTokens: 16), seed: 1);
        Assert.Equal(2, turns.Count);

        var manifest = CheckpointStore.ReadManifest(run.Result.PolicyFolder);
        Assert.Equal("tiny", manifest.Info["preset"]);
        Assert.Equal("3", manifest.Info["seed"]);
        Assert.Equal("ppo", manifest.Info["algo"]);
        Assert.True(manifest.Metrics.ContainsKey("eval_gold"));
        Assert.True(manifest.Metrics.ContainsKey("reward_heldout_accuracy"));
        Assert.False(string.IsNullOrEmpty(manifest.WeightsSha256));

        // The reward model ships with a PPO policy, for retraining from feedback.
        using var reward = CheckpointStore.LoadScalar(Path.Combine(run.Result.PolicyFolder, "reward")).Model;
        Assert.Equal(policy.Config.Width, reward.Config.Width);
    }

    [Fact]
    public void Metrics_and_plots_are_written_and_not_empty()
    {
        var lines = File.ReadAllLines(Path.Combine(run.Folder, "metrics.jsonl"));
        var stages = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("stage").GetString()).ToHashSet();
        foreach (var stage in new[] { "pretrain", "sft", "reward", "ppo", "ppo.eval", "preferences" })
        {
            Assert.Contains(stage, stages);
        }

        var ppo = lines.Select(l => JsonDocument.Parse(l).RootElement).First(r => r.GetProperty("stage").GetString() == "ppo");
        foreach (var figure in new[] { "score", "gold", "kl", "entropy", "clip_fraction", "approx_kl", "value_loss", "response_length" })
        {
            Assert.True(ppo.TryGetProperty(figure, out _), $"PPO row lacks {figure}");
        }

        foreach (var plot in new[] { "losses.png", "reward_model_accuracy.png", "ppo_score.png", "ppo_kl.png", "ppo_entropy.png", "gold_vs_proxy.png" })
        {
            var path = Path.Combine(run.Folder, "plots", plot);
            Assert.True(File.Exists(path), $"{plot} missing");
            var header = File.ReadAllBytes(path).Take(4).ToArray();
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, header);
            Assert.True(new FileInfo(path).Length > 5_000, $"{plot} is suspiciously small");
        }
    }

    [Fact]
    public void A_corrupted_policy_checkpoint_is_refused_with_a_message_naming_the_file()
    {
        var copy = Path.Combine(Path.GetTempPath(), "coopagent-corrupt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(copy);
        try
        {
            foreach (var file in Directory.GetFiles(run.Result.PolicyFolder))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            var weights = Path.Combine(copy, CheckpointStore.WeightsFile);
            var bytes = File.ReadAllBytes(weights);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(weights, bytes);

            var e = Assert.Throws<CheckpointException>(() => TextPolicy.Load(copy));
            Assert.Contains(CheckpointStore.WeightsFile, e.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Resuming_with_other_options_or_reusing_a_folder_without_resume_is_refused()
    {
        var sameFolder = new TrainingRequest(TrainingPreset.Tiny, "ppo", run.Folder, Seed: 3, torch.CPU, Resume: false, "test");
        var noResume = Assert.Throws<InvalidOperationException>(() => new TrainingPipeline(sameFolder, new RunObservers()).Run());
        Assert.Contains("--resume", noResume.Message);

        var otherSeed = sameFolder with { Seed = 4, Resume = true };
        var mismatch = Assert.Throws<InvalidOperationException>(() => new TrainingPipeline(otherSeed, new RunObservers()).Run());
        Assert.Contains("seed 3", mismatch.Message);
    }

    [Fact]
    public void Unknown_presets_and_algorithms_are_usage_errors()
    {
        Assert.Throws<CliUsageException>(() => new CliArgs(["--preset", "huge"]).Choice("preset", "tiny", [.. TrainingPreset.Names]));
        Assert.Throws<ArgumentException>(() => TrainingPreset.ByName("huge"));
        var request = new TrainingRequest(TrainingPreset.Tiny, "rlhf", Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")), 1, torch.CPU, false, "test");
        Assert.Throws<ArgumentException>(() => new TrainingPipeline(request, new RunObservers()).Run());
    }
}
