using System.Globalization;
using System.Text.Json;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Retraining;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent retrain --db FILE [--since TIME] [--export FILE] [--json]</c>: builds the preference
/// pairs and demonstrations from a feedback database (never modifying it), prints the counts and writes the
/// export. Reward-model and PPO updates, the gate and promotion are not implemented yet, and it says so.</summary>
public sealed class RetrainVerb : ICliVerb
{
    /// <summary>The line printed on every run, because this verb does not train anything yet.</summary>
    public const string NotImplementedNotice =
        "not implemented yet: reward-model and PPO updating, the evaluation gate and promotion; only the training data was built";

    public string Name => "retrain";

    public string Usage => "--db FILE [--since TIME] [--export FILE] [--json]   feedback → preference pairs and demonstrations (counts, held-out split, JSONL export)";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var db = args.Required("db");
        var sinceText = args.Get("since");
        var export = args.Get("export");
        var json = args.Flag("json");
        args.RejectUnknown();
        DateTime? since = null;
        if (sinceText is not null)
        {
            since = DateTime.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new CliUsageException($"--since: '{sinceText}' is not a time (for example 2026-11-23T20:00:00Z)");
        }

        IReadOnlyList<(FeedbackRecord Feedback, TurnRecord Turn)> log;
        try
        {
            log = FeedbackStore.ReadFeedbackLog(db);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"coopagent retrain: {e.Message}");
            return Task.FromResult(1);
        }

        var dataset = PreferenceDataset.Build(log, since);
        if (export is not null)
        {
            try
            {
                PairExport.Write(dataset.Pairs, export);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"coopagent retrain: cannot write '{export}': {e.Message}");
                return Task.FromResult(1);
            }
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
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
                ["not_implemented"] = NotImplementedNotice,
            }));
        }
        else
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

            Console.WriteLine(NotImplementedNotice);
        }

        return Task.FromResult(0);
    }
}
