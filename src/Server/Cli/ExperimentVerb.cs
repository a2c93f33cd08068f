using System.Text.Json;
using CoopAgent.Agent.Experiments;
using CoopAgent.Agent.Pipeline;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Server.Reporting;
using TorchSharp;

namespace CoopAgent.Server.Cli;

/// <summary>
/// <c>coopagent experiment NAME</c>: one seeded, reproducible experiment of the RLHF study. Prints its table (or one
/// JSON object with --json) and draws its curves as PNGs into --out.
/// </summary>
public sealed class ExperimentVerb : ICliVerb
{
    public string Name => "experiment";

    public string Usage => "uncertainty|ppo-tricks|curriculum|algorithms [--json] [--quick] [--seeds N] [--out DIR] " +
        "[ppo-tricks, curriculum: --env toy|household [--from RUNDIR] [--actor-lr X]] " +
        "[algorithms: --runs sft=DIR,dpo=DIR,ppo=DIR | --preset tiny|default] [--seed N]";

    /// <summary>The tasks ppo-tricks and curriculum run on. Toy is the default: seconds per run, and what the README's
    /// toy tables were measured with; the household needs a trained run (--from) to mean anything.</summary>
    public static IReadOnlyList<string> Environments { get; } = ["toy", "household"];

    /// <summary>The experiments that take --env.</summary>
    public static IReadOnlyList<string> HouseholdExperiments { get; } = ["ppo-tricks", "curriculum"];

    /// <summary>Scenarios the algorithms experiment evaluates on with --quick (the first of the built-in suite).</summary>
    public const int QuickScenarios = 8;

    public async Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var names = ExperimentCatalog.Names;
        var name = args.Positionals.Count == 1 && names.Contains(args.Positionals[0])
            ? args.Positionals[0]
            : throw new CliUsageException($"name one experiment: {string.Join(", ", names)}.");
        var json = args.Flag("json");
        var quick = args.Flag("quick");
        var seeds = args.GetInt("seeds", name == "uncertainty" ? 1 : 3);
        var output = Path.GetFullPath(args.Get("out", Path.Combine("runs", "experiments", name)));
        if (seeds < 1)
        {
            throw new CliUsageException($"--seeds must be at least 1; got {seeds}.");
        }

        ExperimentReport report;
        if (name == "algorithms")
        {
            var runs = args.Get("runs");
            var preset = TrainingPreset.ByName(args.Choice("preset", "tiny", [.. TrainingPreset.Names]));
            var seed = args.GetInt("seed", 1);
            args.RejectUnknown();
            var policies = runs is null ? TrainPolicies(preset, Path.Combine(output, "runs"), seed, cancellationToken) : ParseRuns(runs);
            var scenarios = BuiltinScenarios.All();
            report = await AlgorithmsExperiment.RunAsync(policies, quick ? [.. scenarios.Take(QuickScenarios)] : scenarios, seed,
                line => Console.Error.WriteLine(line), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var environment = args.Choice("env", "toy", [.. Environments]);
            var from = args.Get("from");
            double? actorLearningRate = args.Has("actor-lr") ? args.GetDouble("actor-lr", 0) : null;
            args.RejectUnknown();
            if ((environment != "toy" || from is not null) && !HouseholdExperiments.Contains(name))
            {
                throw new CliUsageException($"--env and --from apply to {string.Join(" and ", HouseholdExperiments)} only.");
            }

            if (environment == "toy" && (from is not null || actorLearningRate is not null))
            {
                throw new CliUsageException("--from and --actor-lr need --env household (the toy tasks train from scratch with their own settings).");
            }

            if (actorLearningRate is <= 0)
            {
                throw new CliUsageException($"--actor-lr must be positive; got {actorLearningRate}.");
            }

            var settings = new ExperimentSettings(quick, seeds);
            void Progress(string line) => Console.Error.WriteLine(line);
            report = environment == "toy"
                ? Run(name, settings, output, Progress)
                : RunHousehold(name, settings, from is null ? TrainTinyRun(Path.Combine(output, "run"), cancellationToken) : Path.GetFullPath(from), output, Progress,
                    actorLearningRate);
        }

        Console.WriteLine(json ? JsonSerializer.Serialize(report.Json) : Format(report.Table));
        return 0;
    }

    /// <summary>Parses <c>sft=DIR,dpo=DIR,ppo=DIR</c> (any subset of the algorithms); each folder must exist.</summary>
    public static IReadOnlyDictionary<string, string?> ParseRuns(string runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var policies = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var part in runs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var algorithm = eq > 0 ? part[..eq] : throw new CliUsageException($"--runs takes ALGO=DIR pairs separated by commas; got '{part}'.");
            var folder = Path.GetFullPath(part[(eq + 1)..]);
            if (!TrainingPipeline.Algorithms.Contains(algorithm))
            {
                throw new CliUsageException($"--runs: unknown algorithm '{algorithm}': use {string.Join(", ", TrainingPipeline.Algorithms)}.");
            }

            if (!Directory.Exists(folder))
            {
                throw new CliUsageException($"--runs: no policy folder {folder} for {algorithm}.");
            }

            policies[algorithm] = folder;
        }

        return policies.Count > 0 ? policies : throw new CliUsageException("--runs names no policy folder.");
    }

    /// <summary>Trains SFT, DPO and PPO policies with the household pipeline (resuming finished or interrupted runs).</summary>
    private static Dictionary<string, string?> TrainPolicies(TrainingPreset preset, string folder, int seed, CancellationToken cancellationToken)
    {
        var policies = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var algorithm in new[] { "sft", "dpo", "ppo" })
        {
            var request = new TrainingRequest(preset, algorithm, Path.Combine(folder, algorithm), seed, torch.CPU, Resume: true,
                $"coopagent experiment algorithms --preset {preset.Name} --seed {seed}");
            policies[algorithm] = TrainVerb.Train(request, interactive: false, cancellationToken).PolicyFolder;
        }

        return policies;
    }

    /// <summary>
    /// Trains a tiny household run (--preset tiny, seed 1) into <paramref name="folder"/> unless its reward model is already
    /// there: what the household experiments start from without --from. Its figures show only that the experiment runs.
    /// </summary>
    public static string TrainTinyRun(string folder, CancellationToken cancellationToken)
    {
        if (RunState.Read(folder)?.Done("reward") != true)
        {
            var request = new TrainingRequest(TrainingPreset.Tiny, "ppo", folder, 1, torch.CPU, Resume: true,
                "coopagent experiment --env household (tiny run to start from)");
            TrainVerb.Train(request, interactive: false, cancellationToken);
        }

        return folder;
    }

    /// <summary>Runs ppo-tricks or curriculum on the household run in <paramref name="runFolder"/> and draws its curves into
    /// <paramref name="output"/>. A missing or unfinished run folder or a damaged checkpoint fails with a message naming it.</summary>
    /// <param name="name">ppo-tricks or curriculum.</param>
    /// <param name="settings">Seeds and size.</param>
    /// <param name="runFolder">A `coopagent train` run folder with stages/sft and stages/reward.</param>
    /// <param name="output">Where plots, curves.jsonl, table.txt and report.json go.</param>
    /// <param name="progress">Receives one line per finished run.</param>
    /// <param name="actorLearningRate">The actor's Adam step for every arm; the run preset's when null.</param>
    public static ExperimentReport RunHousehold(string name, ExperimentSettings settings, string runFolder, string output, Action<string>? progress = null,
        double? actorLearningRate = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!HouseholdExperiments.Contains(name))
        {
            throw new CliUsageException($"no household variant of '{name}': use {string.Join(" or ", HouseholdExperiments)}.");
        }

        using var task = HouseholdTask.Open(runFolder);
        var ppo = task.Preset.Ppo with { ActorLearningRate = actorLearningRate ?? task.Preset.Ppo.ActorLearningRate };
        var report = name == "ppo-tricks"
            ? PpoTricksExperiment.RunHousehold(task, settings, progress, ppo)
            : CurriculumExperiment.RunHousehold(task, settings, progress: progress, options: ppo);
        DrawCurves(report.Curves, output);
        Keep(report, output);
        return report;
    }

    /// <summary>Runner of each experiment by name.</summary>
    public static IReadOnlyDictionary<string, Func<ExperimentSettings, Action<string>?, ExperimentReport>> Runners { get; } =
        new Dictionary<string, Func<ExperimentSettings, Action<string>?, ExperimentReport>>
        {
            ["uncertainty"] = UncertaintyExperiment.Run,
            ["ppo-tricks"] = PpoTricksExperiment.Run,
            ["curriculum"] = (settings, progress) => CurriculumExperiment.Run(settings, progress: progress),
        };

    /// <summary>Runs an experiment and draws its curves into <paramref name="output"/> (plots/NAME.png, curves.jsonl).</summary>
    public static ExperimentReport Run(string name, ExperimentSettings settings, string output, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!Runners.TryGetValue(name, out var runner))
        {
            throw new CliUsageException($"unknown experiment '{name}': use {string.Join(", ", Runners.Keys)}.");
        }

        var report = runner(settings, progress);
        if (report.Curves.Count > 0)
        {
            DrawCurves(report.Curves, output);
        }

        Keep(report, output);
        return report;
    }

    /// <summary>Writes the table (table.txt) and the JSON object (report.json) into <paramref name="output"/>, so a long
    /// run's figures survive whichever of the two was printed.</summary>
    public static void Keep(ExperimentReport report, string output)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "table.txt"), Format(report.Table) + Environment.NewLine);
        File.WriteAllText(Path.Combine(output, "report.json"), JsonSerializer.Serialize(report.Json));
    }

    /// <summary>Writes the curves into curves.jsonl (one row per point, the legend as stage) and one PNG per plot.</summary>
    public static IReadOnlyList<string> DrawCurves(IReadOnlyList<ExperimentCurve> curves, string output)
    {
        ArgumentNullException.ThrowIfNull(curves);
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, "curves.jsonl");
        File.Delete(path);
        using var log = new MetricsLog(path);
        foreach (var curve in curves)
        {
            for (var i = 0; i < curve.X.Count; i++)
            {
                log.Write(curve.Legend, (int)Math.Round(curve.X[i]), new Dictionary<string, double> { [curve.Plot] = curve.Y[i] });
            }
        }

        var written = new List<string>();
        foreach (var plot in curves.GroupBy(c => c.Plot))
        {
            var file = Path.Combine(output, "plots", plot.Key + ".png");
            var series = plot.Select(c => new PlotSeries(c.Legend, plot.Key, c.Legend)).ToArray();
            var (x, y) = plot.Key switch
            {
                "curriculum_gold" => ("PPO iteration", "gold reward (held-in prompts, sampled)"),
                _ when plot.Key.EndsWith("_kl", StringComparison.Ordinal) => ("rollout samples", "KL to the reference (nats/response)"),
                _ when plot.Key.EndsWith("_rollout_gold", StringComparison.Ordinal) => ("rollout samples", "gold reward of the rollouts (sampled)"),
                _ when plot.Key.StartsWith("household_", StringComparison.Ordinal) && plot.Key.EndsWith("_proxy", StringComparison.Ordinal)
                    => ("rollout samples", "proxy reward (held-out prompts, greedy)"),
                _ when plot.Key.StartsWith("household_", StringComparison.Ordinal) => ("rollout samples", "gold reward (held-out prompts, greedy)"),
                _ => ("rollout samples", "gold reward of the rollouts"),
            };
            if (RunPlots.Line(log, file, plot.Key.Replace('_', ' '), x, y, series))
            {
                written.Add(file);
            }
        }

        return written;
    }

    /// <summary>The table as aligned text: title, header, rule, rows.</summary>
    public static string Format(ExperimentTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var widths = table.Columns.Select((c, i) => Math.Max(c.Length, table.Rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        return string.Join(Environment.NewLine,
            new[] { table.Title, Line(table.Columns), string.Join("  ", widths.Select(w => new string('-', w))) }
                .Concat(table.Rows.Select(Line)));
    }
}
