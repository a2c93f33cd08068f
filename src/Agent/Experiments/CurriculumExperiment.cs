using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// Edge-of-ability sampling (<see cref="CurriculumSampler"/>) against uniform sampling on a task of mixed difficulty:
/// the prompt &lt;|bos|&gt; t L asks for L ∈ 1..6 repetitions of target token t ∈ {3..6}; the gold reward is the share of
/// the first L response tokens that repeat t before the first miss (so long requests are hard for the random initial
/// policy and short ones easy). Both arms start from the same seeded model and see the same number of rollouts; gold is
/// measured after every iteration on every prompt.
/// </summary>
public static class CurriculumExperiment
{
    private const int FirstTarget = 3;
    private const int Targets = 4;
    private const int FirstLength = 7;
    private const int MaxLength = 6;
    private const int EvaluationRepeats = 4;

    /// <summary>All 24 prompts: every target with every length.</summary>
    public static IReadOnlyList<int[]> Prompts { get; } =
        [.. from t in Enumerable.Range(FirstTarget, Targets)
            from l in Enumerable.Range(0, MaxLength)
            select new[] { PpoToyTask.BeginToken, t, FirstLength + l }];

    /// <summary>Runs both arms with seeds 1..<see cref="ExperimentSettings.Seeds"/>.</summary>
    /// <param name="settings">Quick: 6 iterations of 32 rollouts, else 60.</param>
    /// <param name="goldTarget">The gold reward whose first crossing is reported.</param>
    /// <param name="progress">Receives one line per finished run.</param>
    public static ExperimentReport Run(ExperimentSettings settings, double goldTarget = 0.3, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var iterations = settings.Quick ? 6 : 60;
        var rows = new List<IReadOnlyList<string>>();
        var json = new Dictionary<string, object?>();
        var curves = new List<ExperimentCurve>();
        foreach (var arm in new[] { "curriculum", "uniform" })
        {
            var runs = new List<double[]>();
            for (var seed = 1; seed <= settings.Seeds; seed++)
            {
                runs.Add(Train(arm, seed, iterations));
                progress?.Invoke($"curriculum {arm} seed {seed}: final gold {runs[^1][^1]:0.000}");
            }

            var final = SeedSpread.Of(runs.Select(r => r[^1]).ToArray());
            var reached = runs.Select(r => FirstCrossing(r, goldTarget)).ToArray();
            var reachedCount = reached.Count(r => r is not null);
            var meanReached = reachedCount > 0 ? reached.Where(r => r is not null).Average(r => (double)r!.Value) : (double?)null;
            var area = SeedSpread.Of(runs.Select(r => r.Skip(1).Average()).ToArray());
            rows.Add([arm, ExperimentCatalog.Cell(runs.Average(r => r[0])), final.ToString(), area.ToString(),
                meanReached is { } m ? $"{m:0.0} ({reachedCount}/{runs.Count} seeds)" : $"not reached (0/{runs.Count})"]);
            json[arm] = new Dictionary<string, object?>
            {
                ["gold_before"] = runs.Average(r => r[0]),
                ["gold_final"] = final.ToJson(),
                ["gold_mean_over_iterations"] = area.ToJson(),
                ["iterations_to_target"] = reached.Select(r => (object?)r).ToArray(),
                ["mean_iterations_to_target"] = meanReached,
                ["gold_by_iteration"] = Enumerable.Range(0, iterations + 1).Select(i => runs.Average(r => r[i])).ToArray(),
            };
            curves.Add(new ExperimentCurve("curriculum_gold", arm, Enumerable.Range(0, iterations + 1).Select(i => (double)i).ToArray(),
                Enumerable.Range(0, iterations + 1).Select(i => runs.Average(r => r[i])).ToArray()));
        }

        var table = new ExperimentTable(
            $"Curriculum against uniform prompts: gold reward over {iterations} PPO iterations of 32 rollouts, {settings.Seeds} seed(s), mean ± sd",
            ["sampling", "gold before", "gold final", "gold mean over iterations", $"iterations to gold ≥ {goldTarget:0.00}"], rows);
        return new ExperimentReport("curriculum", table, new Dictionary<string, object?>
        {
            ["experiment"] = "curriculum",
            ["task"] = "toy repeat-t-L-times",
            ["iterations"] = iterations,
            ["batch_size"] = 32,
            ["gold_target"] = goldTarget,
            ["arms"] = json,
        }, curves);
    }

    /// <summary>The first iteration (1-based; 0 is the initial policy) whose gold reaches <paramref name="target"/>.</summary>
    public static int? FirstCrossing(IReadOnlyList<double> gold, double target)
    {
        ArgumentNullException.ThrowIfNull(gold);
        for (var i = 0; i < gold.Count; i++)
        {
            if (gold[i] >= target)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>Gold reward of the initial policy and after every iteration (length iterations + 1).</summary>
    private static double[] Train(string arm, int seed, int iterations)
    {
        var threads = get_num_threads();
        set_num_threads(1);
        try
        {
            using var init = new Generator((ulong)seed);
            using var actor = new Gpt(PpoToyTask.ModelConfig, init);
            using var critic = new ScalarModel(PpoToyTask.ModelConfig, init);
            var reward = new RepeatReward();
            IPromptSource source = arm == "curriculum"
                ? new CurriculumSampler(Prompts, new CurriculumOptions(SuccessThreshold: 0.5, Seed: seed))
                : new UniformPromptSource(Prompts, seed);
            var ppo = PpoToyTask.DefaultPpo(seed);
            using var trainer = new PpoTrainer(actor, critic, reward, source, PpoToyTask.EndToken, PpoToyTask.PadToken, ppo);
            var gold = new double[iterations + 1];
            gold[0] = Gold(actor, reward, seed);
            for (var i = 1; i <= iterations; i++)
            {
                trainer.Iteration();
                gold[i] = Gold(actor, reward, seed + i);
            }

            return gold;
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    /// <summary>Mean gold reward of sampled responses, every prompt <see cref="EvaluationRepeats"/> times.</summary>
    private static double Gold(Gpt policy, RepeatReward reward, int seed)
    {
        var prompts = Enumerable.Range(0, EvaluationRepeats).SelectMany(_ => Prompts).ToArray();
        using var generator = new Generator((ulong)(seed + 10_000));
        var sampler = new Sampler(policy, PpoToyTask.EndToken, PpoToyTask.PadToken);
        var responses = sampler.Generate(prompts, new SamplingOptions(MaxLength, 1.0), generator).Select(r => r.Tokens).ToArray();
        return reward.Score(prompts, responses).Average();
    }

    /// <summary>Share of the requested L tokens that repeat the target before the first miss.</summary>
    private sealed class RepeatReward : IRewardFunction
    {
        public IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
        {
            return prompts.Zip(responses, (prompt, response) =>
            {
                var target = prompt[1];
                var length = prompt[2] - FirstLength + 1;
                var run = response.Take(length).TakeWhile(token => token == target).Count();
                return run / (double)length;
            }).ToArray();
        }
    }
}
