using CoopAgent.Agent.Pipeline;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// The PPO ablations of Xu et al. (ICML 2024, "Is DPO Superior to PPO for LLM Alignment?"): advantage
/// normalisation, batch size and a moving-average reference, each changed alone from a baseline. Runs on the toy task
/// (<see cref="PpoToyTask"/>: its programmatic reward is the gold reward; seconds per run) or on the household task
/// (<see cref="HouseholdTask"/>: SFT policy, reward model as proxy, gold from the simulated person). Every configuration
/// gets the same compute: the same number of rollout samples (iterations × batch size).
/// </summary>
public static class PpoTricksExperiment
{
    /// <summary>One configuration: its name and how it changes the toy task's PPO settings.</summary>
    public sealed record Variant(string Name, string Change, int BatchSize, Func<PpoOptions, PpoOptions> Apply);

    /// <summary>The five configurations; batch sizes are chosen so the sample budget divides evenly.</summary>
    public static IReadOnlyList<Variant> Variants { get; } =
    [
        new("baseline", "advantages whitened, batch 32, frozen reference", 32, o => o),
        new("no-adv-norm", "raw GAE advantages", 32, o => o with { NormalizeAdvantages = false }),
        new("small-batch", "batch 16 (twice the iterations)", 16, o => o with { BatchSize = 16, MiniBatchSize = 8 }),
        new("large-batch", "batch 64 (half the iterations)", 64, o => o with { BatchSize = 64, MiniBatchSize = 16 }),
        new("ref-ema", "reference moving average η = 0.1", 32, o => o with { ReferenceUpdateRate = 0.1 }),
    ];

    /// <summary>Runs every variant with seeds 1..<see cref="ExperimentSettings.Seeds"/>.</summary>
    /// <param name="settings">Quick: 128 samples per run, else 512.</param>
    /// <param name="progress">Receives one line per finished run.</param>
    public static ExperimentReport Run(ExperimentSettings settings, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var samples = settings.Quick ? 128 : 512;
        var evaluation = settings.Quick ? 64 : 256;
        var rows = new List<IReadOnlyList<string>>();
        var json = new Dictionary<string, object?>();
        var curves = new List<ExperimentCurve>();
        foreach (var variant in Variants)
        {
            var results = new List<PpoToyResult>();
            for (var seed = 1; seed <= settings.Seeds; seed++)
            {
                var ppo = variant.Apply(PpoToyTask.DefaultPpo(seed));
                var result = PpoToyTask.Run(new PpoToyOptions(samples / ppo.BatchSize, ppo, evaluation, seed, Threads: 1));
                results.Add(result);
                progress?.Invoke($"ppo-tricks {variant.Name} seed {seed}: gold {result.RewardAfter:0.000}, KL {result.Kl:0.000}");
            }

            var gold = SeedSpread.Of(results.Select(r => r.RewardAfter).ToArray());
            var kl = SeedSpread.Of(results.Select(r => r.Kl).ToArray());
            var before = results.Average(r => r.RewardBefore);
            rows.Add([variant.Name, variant.Change, ExperimentCatalog.Cell(before), gold.ToString(), kl.ToString()]);
            json[variant.Name] = new Dictionary<string, object?>
            {
                ["change"] = variant.Change,
                ["batch_size"] = variant.BatchSize,
                ["iterations"] = samples / variant.BatchSize,
                ["samples"] = samples,
                ["gold_before"] = before,
                ["gold"] = gold.ToJson(),
                ["kl"] = kl.ToJson(),
                ["seeds"] = settings.Seeds,
            };

            // Rollout score against samples seen, averaged over seeds: the curve behind the final figure.
            var iterations = samples / variant.BatchSize;
            var x = Enumerable.Range(1, iterations).Select(i => (double)(i * variant.BatchSize)).ToArray();
            curves.Add(new ExperimentCurve("ppo_tricks_gold", variant.Name, x,
                Enumerable.Range(0, iterations).Select(i => results.Average(r => r.History[i].MeanScore)).ToArray()));
            curves.Add(new ExperimentCurve("ppo_tricks_kl", variant.Name, x,
                Enumerable.Range(0, iterations).Select(i => results.Average(r => r.History[i].Kl)).ToArray()));
        }

        var table = new ExperimentTable(
            $"PPO tricks on the toy task (gold = programmatic reward), {samples} rollout samples per run, {settings.Seeds} seed(s), mean ± sd",
            ["variant", "change", "gold before", "gold after", "KL (nats/response)"], rows);
        return new ExperimentReport("ppo-tricks", table, new Dictionary<string, object?>
        {
            ["experiment"] = "ppo-tricks",
            ["task"] = "toy",
            ["samples_per_run"] = samples,
            ["variants"] = json,
        }, curves);
    }

    /// <summary>The household configurations, relative to the run's PPO settings (batch B, minibatch m). The minibatch
    /// stays m in every configuration, so at equal rollout samples every one also takes the same number of gradient steps:
    /// batch size changes only how many rollouts each policy collects before it is updated.</summary>
    public static IReadOnlyList<Variant> HouseholdVariants(PpoOptions baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var b = baseline.BatchSize;
        var small = Math.Max(baseline.MiniBatchSize, b / 2);
        return
        [
            new("baseline", $"advantages whitened, batch {b}, frozen reference", b, o => o),
            new("no-adv-norm", "raw GAE advantages", b, o => o with { NormalizeAdvantages = false }),
            new("small-batch", $"batch {small} (more iterations)", small, o => o with { BatchSize = small }),
            new("large-batch", $"batch {2 * b} (half the iterations)", 2 * b, o => o with { BatchSize = 2 * b }),
            new("ref-ema", "reference moving average η = 0.1", b, o => o with { ReferenceUpdateRate = 0.1 }),
        ];
    }

    /// <summary>Runs every household configuration with seeds 1..<see cref="ExperimentSettings.Seeds"/>, uniform prompts.</summary>
    /// <param name="task">The run to start from.</param>
    /// <param name="settings">Quick: 2 iterations' worth of baseline samples, else 6.</param>
    /// <param name="progress">Receives one line per finished run.</param>
    /// <param name="ppo">The baseline's PPO settings; the run preset's when null.</param>
    public static ExperimentReport RunHousehold(HouseholdTask task, ExperimentSettings settings, Action<string>? progress = null, PpoOptions? ppo = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var baseline = ppo ?? task.Preset.Ppo;
        var samples = (settings.Quick ? 2 : 6) * baseline.BatchSize;
        var evaluateEvery = 2 * baseline.BatchSize;
        var start = task.EvaluateSft();
        var rows = new List<IReadOnlyList<string>>();
        var json = new Dictionary<string, object?>();
        var curves = new List<ExperimentCurve>();
        var seconds = 0.0;
        foreach (var variant in HouseholdVariants(baseline))
        {
            var options = variant.Apply(baseline);
            var arm = new HouseholdArm(variant.Name, variant.Change, options, samples / options.BatchSize, (t, seed) => new UniformPromptSource(t.TrainTokens, seed));
            var runs = new List<HouseholdRun>();
            for (var seed = 1; seed <= settings.Seeds; seed++)
            {
                var run = task.Train(arm, seed, evaluateEvery, start);
                runs.Add(run);
                seconds += run.Seconds;
                progress?.Invoke($"ppo-tricks household {variant.Name} seed {seed}: gold {run.Points[^1].Evaluation.Gold:0.000}, " +
                    $"proxy {run.Points[^1].Evaluation.Proxy:0.000}, KL to SFT {run.KlToSft:0.000} ({run.Seconds:0} s)");
            }

            var summary = HouseholdSummary.Of(runs);
            rows.Add([variant.Name, variant.Change, ExperimentCatalog.Cell(start.Gold), summary.Gold.ToString(), summary.Success.ToString(),
                summary.RolloutGold.ToString(), summary.RolloutSuccess.ToString(), summary.Proxy.ToString(), summary.KlToSft.ToString()]);
            json[variant.Name] = new Dictionary<string, object?>(summary.ToJson())
            {
                ["change"] = variant.Change,
                ["batch_size"] = options.BatchSize,
                ["minibatch_size"] = options.MiniBatchSize,
                ["iterations"] = arm.Iterations,
                ["samples"] = arm.Samples,
                ["gold_before"] = start.Gold,
                ["seeds"] = settings.Seeds,
            };
            curves.AddRange(summary.Curves("household_tricks", variant.Name, arm.Ppo.BatchSize));
        }

        var table = new ExperimentTable(
            $"PPO tricks on the household task ({task.Preset.Name} run {task.Folder}): greedy turn on {task.EvalPrompts.Count} held-out prompts " +
            $"after {samples} rollout samples per run, uniform prompts, actor step {baseline.ActorLearningRate:0.######}, {settings.Seeds} seed(s), mean ± sd; {seconds:0} s of runs",
            ["variant", "change", "gold before", "gold after", "success after", "rollout gold (last third)", "rollout success (last third)",
             "proxy after", "KL to SFT"], rows);
        return new ExperimentReport("ppo-tricks", table, new Dictionary<string, object?>
        {
            ["experiment"] = "ppo-tricks",
            ["task"] = "household",
            ["run"] = task.Folder,
            ["preset"] = task.Preset.Name,
            ["samples_per_run"] = samples,
            ["actor_learning_rate"] = baseline.ActorLearningRate,
            ["eval_prompts"] = task.EvalPrompts.Count,
            ["start"] = start.Figures(),
            ["seconds"] = seconds,
            ["variants"] = json,
        }, curves);
    }
}
