using System.Globalization;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Server.Cli.Bench;

/// <summary><c>bench --only ppo</c>: the toy PPO task (<see cref="PpoToyTask"/>: a tiny GPT learns to emit four
/// rewarded tokens out of sixteen) — rollouts per second of training, the reward before and after, the KL to the
/// reference in nats per response, and the seconds the PPO iterations took. It runs on one intra-op thread: a model of
/// 14 k parameters gains nothing from more (≈ 1000 rollouts/s either way on an idle 2-core machine), while on a
/// busy one OpenMP's spinning threads made the same run up to ten times slower.</summary>
public sealed class PpoBench : IBenchSection
{
    public string Name => "ppo";

    public Task<IReadOnlyDictionary<string, double>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = new PpoToyOptions(Threads: 1);
        context.Progress.WriteLine($"[bench] ppo: toy task, {options.Iterations} iterations × {PpoToyTask.DefaultPpo(options.Seed).BatchSize} rollouts");
        var result = PpoToyTask.Run(options, (i, stats) => context.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[bench] ppo: iteration {i + 1}: score {stats.MeanScore:F3}, KL {stats.Kl:F2}, entropy {stats.Entropy:F2}, β {stats.KlCoefficient:F4}")));
        IReadOnlyDictionary<string, double> figures = new Dictionary<string, double>
        {
            ["ppo_samples_per_s"] = result.SamplesPerSecond,
            ["ppo_toy_reward_before"] = result.RewardBefore,
            ["ppo_toy_reward_after"] = result.RewardAfter,
            ["ppo_toy_kl"] = result.Kl,
            ["ppo_toy_seconds"] = result.Seconds,
        };
        return Task.FromResult(figures);
    }
}
