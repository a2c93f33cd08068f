using CoopAgent.Agent.Pipeline;
using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// Edge-of-ability sampling (<see cref="CurriculumSampler"/>) against uniform sampling. On the household task
/// (<see cref="RunHousehold"/>) the prompts are the pipeline's generated homes and success is judged by gold, as in the
/// pipeline; on the toy task of mixed difficulty
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
            var reached = Crossings.Of(runs, goldTarget);
            var area = SeedSpread.Of(runs.Select(r => r.Skip(1).Average()).ToArray());
            rows.Add([arm, ExperimentCatalog.Cell(runs.Average(r => r[0])), final.ToString(), area.ToString(),
                reached.ToString()]);
            json[arm] = new Dictionary<string, object?>
            {
                ["gold_before"] = runs.Average(r => r[0]),
                ["gold_final"] = final.ToJson(),
                ["gold_mean_over_iterations"] = area.ToJson(),
                ["iterations_to_target"] = reached.Iterations.Select(r => (object?)r).ToArray(),
                ["mean_iterations_to_target"] = reached.Mean,
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

    /// <summary>The household arms: uniform prompts, the pipeline's curriculum, and the fixes tried when it lost.</summary>
    /// <param name="ppo">The run's PPO settings (every arm uses them unchanged).</param>
    /// <param name="iterations">Iterations per run (every arm draws the same number of rollouts).</param>
    public static IReadOnlyList<HouseholdArm> HouseholdArms(PpoOptions ppo, int iterations) =>
    [
        new("uniform", "every prompt equally likely", ppo, iterations, (t, seed) => new UniformPromptSource(t.TrainTokens, seed)),
        new("curriculum", "per prompt, band 0.2–0.8 (the pipeline's)", ppo, iterations,
            (t, seed) => new CurriculumSampler(t.TrainTokens, new CurriculumOptions(Seed: seed))),
        new("curriculum-mix", "per prompt, half the draws uniform", ppo, iterations,
            (t, seed) => new CurriculumSampler(t.TrainTokens, new CurriculumOptions(Seed: seed, UniformShare: 0.5))),
        new("kind-curriculum", "per task kind (outcomes pooled), band 0.2–0.8", ppo, iterations,
            (t, seed) => new TaskKindCurriculum(t.TrainTokens, [.. t.TrainPrompts.Select(TaskKindCurriculum.KindOf)], new CurriculumOptions(Seed: seed))),
    ];

    /// <summary>Runs every household arm with seeds 1..<see cref="ExperimentSettings.Seeds"/>, evaluating after every iteration.</summary>
    /// <param name="task">The run to start from.</param>
    /// <param name="settings">Quick: 2 iterations, else 8.</param>
    /// <param name="goldGain">The set gold is the SFT policy's held-out gold plus this; its first crossing is reported.</param>
    /// <param name="progress">Receives one line per finished run.</param>
    /// <param name="options">Every arm's PPO settings; the run preset's when null.</param>
    public static ExperimentReport RunHousehold(HouseholdTask task, ExperimentSettings settings, double goldGain = 0.5, Action<string>? progress = null,
        PpoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var iterations = settings.Quick ? 2 : 8;
        var ppo = options ?? task.Preset.Ppo;
        var start = task.EvaluateSft();
        var target = start.Gold + goldGain;
        var rows = new List<IReadOnlyList<string>>();
        var json = new Dictionary<string, object?>();
        var curves = new List<ExperimentCurve>();
        var seconds = 0.0;
        foreach (var arm in HouseholdArms(ppo, iterations))
        {
            var runs = new List<HouseholdRun>();
            for (var seed = 1; seed <= settings.Seeds; seed++)
            {
                var run = task.Train(arm, seed, ppo.BatchSize, start);
                runs.Add(run);
                seconds += run.Seconds;
                progress?.Invoke($"curriculum household {arm.Name} seed {seed}: gold {run.Points[^1].Evaluation.Gold:0.000}, " +
                    $"{run.DistinctPrompts} distinct prompts ({run.Seconds:0} s)");
            }

            var summary = HouseholdSummary.Of(runs);
            var reached = Crossings.Of([.. runs.Select(r => (IReadOnlyList<double>)[.. r.Points.Select(p => p.Evaluation.Gold)])], target);
            rows.Add([arm.Name, arm.Change, ExperimentCatalog.Cell(start.Gold), summary.Gold.ToString(), summary.GoldOverRun.ToString(),
                summary.Success.ToString(), reached.ToString(),
                $"{runs.Average(r => r.DistinctPrompts):0}"]);
            json[arm.Name] = new Dictionary<string, object?>(summary.ToJson())
            {
                ["change"] = arm.Change,
                ["gold_before"] = start.Gold,
                ["iterations_to_target"] = reached.Iterations.Select(r => (object?)r).ToArray(),
                ["mean_iterations_to_target"] = reached.Mean,
            };
            curves.AddRange(summary.Curves("household_curriculum", arm.Name, ppo.BatchSize));
        }

        var table = new ExperimentTable(
            $"Curriculum against uniform prompts on the household task ({task.Preset.Name} run {task.Folder}): greedy turn on " +
            $"{task.EvalPrompts.Count} held-out prompts after each of {iterations} PPO iterations of {ppo.BatchSize} rollouts, {settings.Seeds} seed(s), " +
            $"actor step {ppo.ActorLearningRate:0.######}, mean ± sd; set gold = SFT + {goldGain:0.0#}; {seconds:0} s of runs",
            ["sampling", "change", "gold before", "gold final", "gold mean over iterations", "success final",
             string.Create(System.Globalization.CultureInfo.InvariantCulture, $"iterations to gold ≥ {target:0.00}"), "distinct prompts"], rows);
        return new ExperimentReport("curriculum", table, new Dictionary<string, object?>
        {
            ["experiment"] = "curriculum",
            ["task"] = "household",
            ["run"] = task.Folder,
            ["preset"] = task.Preset.Name,
            ["iterations"] = iterations,
            ["batch_size"] = ppo.BatchSize,
            ["actor_learning_rate"] = ppo.ActorLearningRate,
            ["start"] = start.Figures(),
            ["gold_target"] = target,
            ["seconds"] = seconds,
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

    /// <summary>When each seed's gold curve first reached the target, and the mean over the seeds that did.</summary>
    private sealed record Crossings(IReadOnlyList<int?> Iterations, double? Mean)
    {
        public static Crossings Of(IReadOnlyList<IReadOnlyList<double>> curves, double target)
        {
            var reached = curves.Select(c => FirstCrossing(c, target)).ToArray();
            var hits = reached.Where(r => r is not null).Select(r => (double)r!.Value).ToArray();
            return new Crossings(reached, hits.Length > 0 ? hits.Average() : null);
        }

        /// <summary>"4.5 (2/3 seeds)" or "not reached (0/3)".</summary>
        public override string ToString()
        {
            var count = Iterations.Count(r => r is not null);
            return Mean is { } m
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m:0.0} ({count}/{Iterations.Count} seeds)")
                : $"not reached (0/{Iterations.Count})";
        }
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
