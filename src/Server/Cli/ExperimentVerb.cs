using System.Text.Json;
using CoopAgent.Agent.Experiments;
using CoopAgent.Server.Reporting;

namespace CoopAgent.Server.Cli;

/// <summary>
/// <c>coopagent experiment NAME</c>: one seeded, reproducible experiment of the RLHF study. Prints its table (or one
/// JSON object with --json) and draws its curves as PNGs into --out.
/// </summary>
public sealed class ExperimentVerb : ICliVerb
{
    public string Name => "experiment";

    public string Usage => "uncertainty|ppo-tricks|curriculum [--json] [--quick] [--seeds N] [--out DIR]";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var name = args.Positionals.Count == 1 && Runners.ContainsKey(args.Positionals[0])
            ? args.Positionals[0]
            : throw new CliUsageException($"name one experiment: {string.Join(", ", Runners.Keys)}.");
        var json = args.Flag("json");
        var quick = args.Flag("quick");
        var seeds = args.GetInt("seeds", name == "uncertainty" ? 1 : 3);
        var output = Path.GetFullPath(args.Get("out", Path.Combine("runs", "experiments", name)));
        args.RejectUnknown();
        if (seeds < 1)
        {
            throw new CliUsageException($"--seeds must be at least 1; got {seeds}.");
        }

        var report = Run(name, new ExperimentSettings(quick, seeds), output, line => Console.Error.WriteLine(line));
        Console.WriteLine(json ? JsonSerializer.Serialize(report.Json) : Format(report.Table));
        return Task.FromResult(0);
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

        return report;
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
                "ppo_tricks_kl" => ("rollout samples", "KL to the reference (nats/response)"),
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
