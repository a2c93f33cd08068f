using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// The PPO ablations of Xu et al. (ICML 2024, "Is DPO Superior to PPO for LLM Alignment?"): advantage
/// normalisation, batch size and a moving-average reference, each changed alone from a baseline. Runs on the toy task
/// (<see cref="PpoToyTask"/>: its programmatic reward is the gold reward), because the household pipeline takes
/// minutes per run and the study needs 5 configurations × several seeds. Every configuration gets the same compute: the
/// same number of rollout samples (iterations × batch size).
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
}
