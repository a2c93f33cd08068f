using System.Globalization;
using System.Text.Json;
using CoopAgent.Agent.Pipeline;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Retraining;
using CoopAgent.Server.Sessions;
using Spectre.Console;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent retrain --db FILE …</c>: preference pairs and demonstrations from a feedback database (never
/// modified), printed as counts and optionally exported; then, unless <c>--data-only</c>, the reward model, PPO, the
/// evaluation of candidate against serving policy, the gate and promotion (<see cref="Retrainer"/>).</summary>
public sealed class RetrainVerb : ICliVerb
{
    public string Name => "retrain";

    public string Usage => "--db FILE [--policy DIR] [--out DIR] [--since TIME] [--resume] [--export FILE] [--data-only] [--preset tiny|default] [--seed N] [--success-tolerance X] [--regret-tolerance X] [--json]   feedback → reward model → PPO → gate → promoted version";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var db = args.Required("db");
        var since = Since(args.Get("since"));
        var export = args.Get("export");
        var dataOnly = args.Flag("data-only");
        var json = args.Flag("json");
        var policyArgument = args.Get("policy", "policies/default");
        var outArgument = args.Get("out");
        var resume = args.Flag("resume");
        var sizes = RetrainSizes.ByName(args.Choice("preset", "default", [.. RetrainSizes.Names]));
        var seed = args.GetInt("seed", 1);
        var successTolerance = args.GetDouble("success-tolerance", 0.02);
        var regretTolerance = args.GetDouble("regret-tolerance", 0.5);
        args.RejectUnknown();
        if (resume && outArgument is null)
        {
            throw new CliUsageException("--resume needs --out: the run folder to continue.");
        }

        if (successTolerance < 0 || regretTolerance < 0)
        {
            throw new CliUsageException("--success-tolerance and --regret-tolerance cannot be negative.");
        }

        PreferenceDataset dataset;
        try
        {
            dataset = PreferenceDataset.Build(FeedbackStore.ReadFeedbackLog(db), since, sizes.HeldOutShare);
            if (export is not null)
            {
                PairExport.Write(dataset.Pairs, export);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return Fail(e.Message);
        }

        var data = DataSummary(db, since, export, dataset);
        if (!json)
        {
            PrintData(dataset, since, export);
        }

        if (dataOnly)
        {
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(data));
            }

            return Task.FromResult(0);
        }

        var policy = PolicyLocator.Find(policyArgument);
        if (policy is null)
        {
            return Fail($"--policy {policyArgument}: no policy folder there.");
        }

        var output = Path.GetFullPath(outArgument ?? Path.Combine("runs", $"retrain-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
        var request = new RetrainRequest(db, policy, output, since, resume, seed, sizes, successTolerance, regretTolerance,
            "coopagent retrain " + string.Join(' ', args.Raw));
        RetrainResult result;
        try
        {
            result = TrainVerb.Observed(output, interactive: !json && AnsiConsole.Profile.Capabilities.Interactive, extra: null,
                observer => Retrainer.Run(request, observer, cancellationToken));
        }
        catch (RetrainException e)
        {
            return Fail(e.Message);
        }

        if (json)
        {
            data["out"] = output;
            data["promoted"] = result.Promoted;
            data["version"] = result.NewVersion;
            data["reasons"] = result.Reasons;
            data["metrics"] = result.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? (object?)m.Value : null);
            Console.WriteLine(JsonSerializer.Serialize(data));
        }
        else
        {
            foreach (var (key, value) in result.Metrics)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-34} {value:0.####}"));
            }

            Console.WriteLine(result.Promoted ? $"promoted: {result.NewVersion} now serves" : "not promoted: the serving version is unchanged");
            foreach (var reason in result.Reasons)
            {
                Console.WriteLine($"  - {reason}");
            }

            Console.WriteLine($"run folder: {output} (metrics.jsonl, plots/, policy/)");
        }

        return Task.FromResult(0);
    }

    private static DateTime? Since(string? text) =>
        text is null ? null
        : DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed) ? parsed
        : throw new CliUsageException($"--since: '{text}' is not a time (for example 2026-11-23T20:00:00Z)");

    private static Task<int> Fail(string message)
    {
        Console.Error.WriteLine($"coopagent retrain: {message}");
        return Task.FromResult(1);
    }

    private static Dictionary<string, object?> DataSummary(string db, DateTime? since, string? export, PreferenceDataset dataset) => new()
    {
        ["db"] = Path.GetFullPath(db),
        ["since"] = since,
        ["feedback"] = dataset.FeedbackRead,
        ["pairs"] = dataset.Pairs.Count,
        ["pairs_by_kind"] = dataset.CountsByKind,
        ["ties"] = dataset.TiedPairs,
        ["demonstrations"] = dataset.Demonstrations.Count,
        ["held_out_pairs"] = dataset.HeldOutPairs,
        ["held_out_demonstrations"] = dataset.Demonstrations.Count(d => d.HeldOut),
        ["duplicates_dropped"] = dataset.DuplicatesDropped,
        ["skipped"] = dataset.Skipped,
        ["export"] = export is null ? null : Path.GetFullPath(export),
    };

    private static void PrintData(PreferenceDataset dataset, DateTime? since, string? export)
    {
        Console.WriteLine($"feedback read: {dataset.FeedbackRead}{(since is null ? "" : $" (since {since:O})")}");
        Console.WriteLine($"pairs: {dataset.Pairs.Count} ({string.Join(", ", dataset.CountsByKind.Select(k => $"{k.Key} {k.Value}"))}; ties {dataset.TiedPairs})");
        Console.WriteLine($"demonstrations: {dataset.Demonstrations.Count}");
        Console.WriteLine($"held out: {dataset.HeldOutPairs} pairs, {dataset.Demonstrations.Count(d => d.HeldOut)} demonstrations");
        Console.WriteLine($"duplicates dropped: {dataset.DuplicatesDropped}; feedback giving no pair: {dataset.Skipped}");
        if (export is not null)
        {
            Console.WriteLine($"exported {dataset.Pairs.Count} pairs to {export}");
        }
    }
}
