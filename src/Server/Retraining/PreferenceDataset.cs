using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Retraining;

/// <summary>One preference pair in the chosen/rejected shape of TRL-style RLHF stacks. A tie keeps its pair
/// (the reward trainer pulls tied responses together, docs/ARCHITECTURE.md "RLHF trainers"); then which side
/// is "chosen" carries no meaning.</summary>
public sealed record PreferencePair(
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("chosen")] string Chosen,
    [property: JsonPropertyName("rejected")] string Rejected,
    [property: JsonPropertyName("tie")] bool Tie,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("policy_version")] string PolicyVersion,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("time")] DateTime Time,
    [property: JsonPropertyName("held_out")] bool HeldOut);

/// <summary>One demonstration: the reply a person wrote for a context (from a correction).</summary>
public sealed record Demonstration(string Prompt, string Response, string PolicyVersion, string User, DateTime Time, bool HeldOut);

/// <summary>The training data built from the feedback log: pairs and demonstrations, each marked train or held out.</summary>
public sealed class PreferenceDataset
{
    /// <summary>The pair kinds, in report order.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["ranking", "comparison", "thumbs", "correction"];

    /// <summary>The share of contexts held out by default.</summary>
    public const double DefaultHeldOutShare = 0.1;

    private PreferenceDataset(IReadOnlyList<PreferencePair> pairs, IReadOnlyList<Demonstration> demonstrations, int feedbackRead, int duplicates, int skipped)
    {
        Pairs = pairs;
        Demonstrations = demonstrations;
        FeedbackRead = feedbackRead;
        DuplicatesDropped = duplicates;
        Skipped = skipped;
    }

    /// <summary>Every distinct pair, train and held out, oldest feedback first.</summary>
    public IReadOnlyList<PreferencePair> Pairs { get; }

    public IReadOnlyList<Demonstration> Demonstrations { get; }

    /// <summary>Feedback records read after the <c>since</c> filter.</summary>
    public int FeedbackRead { get; }

    /// <summary>Pairs (and demonstrations) that repeated an earlier one with the same prompt and responses.</summary>
    public int DuplicatesDropped { get; }

    /// <summary>Feedback that yields no pair: "both bad" comparisons, a ranking or comparison of identical
    /// texts, a correction equal to the reply, a thumb with nothing opposite on its context.</summary>
    public int Skipped { get; }

    /// <summary>Number of distinct pairs of each kind (every kind present, zero when none).</summary>
    public IReadOnlyDictionary<string, int> CountsByKind =>
        Kinds.ToDictionary(k => k, k => Pairs.Count(p => p.Kind == k));

    public int HeldOutPairs => Pairs.Count(p => p.HeldOut);

    public int TiedPairs => Pairs.Count(p => p.Tie);

    /// <summary>
    /// Builds the dataset from feedback events with their turns. Each event goes through
    /// <see cref="PreferenceExport.ToLine"/> (the mapping of <c>GET /api/feedback/export</c>), then:
    /// a ranking gives all K(K−1)/2 pairs of its candidates, equal ranks as tie pairs; an A/B choice gives
    /// one pair, "tie" one tie pair, and "both bad" none (neither side is preferred, and a tie pair would
    /// teach the reward model the two are fine alike); a thumbs up against a thumbs down on the same prompt
    /// (any users) gives a pair; a correction gives a demonstration and the pair correction ≻ reply.
    /// Pairs equal in prompt and responses (a tie in either order) are kept once, the oldest. A context is
    /// held out when a hash of its prompt falls below <paramref name="heldOutShare"/>, so it never sits on
    /// both sides and the split does not change between runs.
    /// </summary>
    public static PreferenceDataset Build(IEnumerable<(FeedbackRecord Feedback, TurnRecord Turn)> log, DateTime? since = null, double heldOutShare = DefaultHeldOutShare)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(heldOutShare, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(heldOutShare, 1);
        var events = log
            .Where(e => since is null || e.Feedback.UpdatedUtc >= since.Value.ToUniversalTime())
            .OrderBy(e => e.Feedback.UpdatedUtc)
            .ThenBy(e => e.Feedback.Id, StringComparer.Ordinal)
            .ToList();
        var pairs = new List<PreferencePair>();
        var demonstrations = new List<Demonstration>();
        var thumbs = new List<(PreferenceLine Line, bool Up)>();
        var skipped = 0;
        foreach (var (feedback, turn) in events)
        {
            var line = PreferenceExport.ToLine(feedback, turn);
            var held = IsHeldOut(turn.Prompt, heldOutShare);
            var before = pairs.Count;
            switch (feedback.Kind)
            {
                case FeedbackKind.Ranking or FeedbackKind.Comparison when line.Choice != "both_bad" && line.Ranking is { } ranking:
                    // The ranking is sorted best first, so the earlier response of each pair is the better or equal one.
                    for (var i = 0; i < ranking.Count; i++)
                    {
                        for (var j = i + 1; j < ranking.Count; j++)
                        {
                            if (ranking[i].Response != ranking[j].Response)
                            {
                                pairs.Add(Pair(line, ranking[i].Response, ranking[j].Response, ranking[i].Rank == ranking[j].Rank, held));
                            }
                        }
                    }

                    break;
                case FeedbackKind.Thumbs when line.Rating is { } rating:
                    thumbs.Add((line, rating > 0));
                    continue;
                case FeedbackKind.Correction when !string.IsNullOrWhiteSpace(line.Chosen) && line.Chosen != line.Rejected:
                    demonstrations.Add(new Demonstration(line.Prompt, line.Chosen, line.PolicyVersion, line.User, line.Time, held));
                    pairs.Add(Pair(line, line.Chosen, line.Rejected ?? "", tie: false, held));
                    break;
            }

            skipped += pairs.Count == before ? 1 : 0;
        }

        // Thumbs: every reply rated up against every different reply rated down on the same prompt. The pair
        // carries the up-voter, the policy that produced the liked reply, and the later of the two times.
        var thumbsPaired = new HashSet<PreferenceLine>();
        foreach (var context in thumbs.GroupBy(t => t.Line.Prompt, StringComparer.Ordinal))
        {
            var held = IsHeldOut(context.Key, heldOutShare);
            foreach (var up in context.Where(t => t.Up))
            {
                foreach (var down in context.Where(t => !t.Up && t.Line.Rejected != up.Line.Chosen))
                {
                    var time = up.Line.Time > down.Line.Time ? up.Line.Time : down.Line.Time;
                    pairs.Add(Pair(up.Line with { Time = time }, up.Line.Chosen!, down.Line.Rejected!, tie: false, held));
                    thumbsPaired.Add(up.Line);
                    thumbsPaired.Add(down.Line);
                }
            }
        }

        skipped += thumbs.Count(t => !thumbsPaired.Contains(t.Line));
        var distinctPairs = pairs
            .OrderBy(p => p.Time)
            .DistinctBy(p => p.Tie && string.CompareOrdinal(p.Chosen, p.Rejected) > 0 ? (p.Prompt, p.Rejected, p.Chosen, p.Tie) : (p.Prompt, p.Chosen, p.Rejected, p.Tie))
            .ToList();
        var distinctDemonstrations = demonstrations.DistinctBy(d => (d.Prompt, d.Response)).ToList();
        var duplicates = pairs.Count - distinctPairs.Count + demonstrations.Count - distinctDemonstrations.Count;
        return new PreferenceDataset(distinctPairs, distinctDemonstrations, events.Count, duplicates, skipped);
    }

    /// <summary>Whether a context falls in the held-out share: the first 8 bytes of SHA-256 of the prompt as a
    /// fraction of 2⁶⁴, compared with the share (stable across runs and machines, unlike string.GetHashCode).</summary>
    public static bool IsHeldOut(string prompt, double share)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(prompt));
        return BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0 < share;
    }

    private static PreferencePair Pair(PreferenceLine line, string chosen, string rejected, bool tie, bool held) =>
        new(line.Prompt, chosen, rejected, tie, line.Kind, line.PolicyVersion, line.User, line.Time, held);
}

/// <summary>Writes and reads <see cref="PreferencePair"/>s as JSONL, one pair per line.</summary>
public static class PairExport
{
    // Relaxed escaping keeps prompts readable (<obs>, quotes) in a file no browser renders; it is still valid JSON.
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the pairs to <paramref name="file"/> (replacing it), one JSON object per line.</summary>
    public static void Write(IEnumerable<PreferencePair> pairs, string file)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentException.ThrowIfNullOrEmpty(file);
        using var writer = new StreamWriter(file, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (var pair in pairs)
        {
            writer.Write(JsonSerializer.Serialize(pair, Json));
            writer.Write('\n');
        }
    }

    /// <summary>Reads pairs written by <see cref="Write"/>; blank lines are skipped.</summary>
    /// <exception cref="InvalidDataException">A line is not a pair.</exception>
    public static IReadOnlyList<PreferencePair> Read(string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        var pairs = new List<PreferencePair>();
        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                var pair = JsonSerializer.Deserialize<PreferencePair>(line, Json);
                pairs.Add(pair is { Prompt: not null, Chosen: not null, Rejected: not null, Kind: not null }
                    ? pair
                    : throw new InvalidDataException($"{file}:{number}: not a preference pair"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{file}:{number}: {e.Message}", e);
            }
        }

        return pairs;
    }
}
