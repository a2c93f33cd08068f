using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoopAgent.Server.Feedback;

/// <summary>One line of <c>GET /api/feedback/export</c>: a feedback event in the chosen/rejected shape that
/// RLHF tools read (TRL's preference format), with the ranking, rating, reason and correction alongside.</summary>
public sealed record PreferenceLine(
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("chosen")] string? Chosen,
    [property: JsonPropertyName("rejected")] string? Rejected,
    [property: JsonPropertyName("ranking")] IReadOnlyList<RankedResponse>? Ranking,
    [property: JsonPropertyName("rating")] int? Rating,
    [property: JsonPropertyName("choice")] string? Choice,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("correction")] string? Correction,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("policy_version")] string PolicyVersion,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("turn")] string Turn,
    [property: JsonPropertyName("time")] DateTime Time);

/// <summary>A response with its rank (1 is best; equal ranks are ties).</summary>
public sealed record RankedResponse(
    [property: JsonPropertyName("response")] string Response,
    [property: JsonPropertyName("rank")] int Rank);

/// <summary>Turns stored feedback into <see cref="PreferenceLine"/>s and writes them as JSONL.</summary>
public static class PreferenceExport
{
    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The preference line of one feedback event on its turn.</summary>
    public static PreferenceLine ToLine(FeedbackRecord feedback, TurnRecord turn)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        ArgumentNullException.ThrowIfNull(turn);
        string? chosen = null;
        string? rejected = null;
        IReadOnlyList<RankedResponse>? ranking = null;
        switch (feedback.Kind)
        {
            case FeedbackKind.Thumbs when feedback.Rating > 0:
                chosen = turn.Reply;
                break;
            case FeedbackKind.Thumbs:
                rejected = turn.Reply;
                break;
            case FeedbackKind.Comparison when turn.ComparePair is [var a, var b]:
                var (first, second) = (turn.Candidates[a], turn.Candidates[b]);
                (chosen, rejected) = feedback.Choice switch
                {
                    "a" => (first, second),
                    "b" => (second, first),
                    _ => (null, null),
                };
                // A tie ranks both first; "both bad" ranks both equal too, and the choice says why.
                ranking = feedback.Choice switch
                {
                    "a" => [new(first, 1), new(second, 2)],
                    "b" => [new(second, 1), new(first, 2)],
                    _ => [new(first, 1), new(second, 1)],
                };
                break;
            case FeedbackKind.Ranking when feedback.Ranks is { Count: > 0 } ranks:
                ranking = ranks.Select((rank, i) => new RankedResponse(turn.Candidates[i], rank)).OrderBy(r => r.Rank).ToList();
                if (ranking[0].Rank != ranking[^1].Rank)
                {
                    // With ties at either end, the earliest candidate of the best and of the worst rank.
                    chosen = ranking[0].Response;
                    rejected = ranking.First(r => r.Rank == ranking[^1].Rank).Response;
                }

                break;
            case FeedbackKind.Correction:
                chosen = feedback.Correction;
                rejected = turn.Reply;
                break;
        }

        return new PreferenceLine(
            turn.Prompt,
            chosen,
            rejected,
            ranking,
            feedback.Rating,
            feedback.Choice,
            feedback.Reason,
            feedback.Correction,
            feedback.Kind.ToString().ToLowerInvariant(),
            turn.PolicyVersion,
            feedback.UserId,
            turn.Id,
            feedback.UpdatedUtc);
    }

    /// <summary>Writes every line as JSON followed by a newline, flushing as it goes.</summary>
    public static async Task WriteJsonLinesAsync(IEnumerable<PreferenceLine> lines, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines)
        {
            await JsonSerializer.SerializeAsync(output, line, Json, cancellationToken);
            await output.WriteAsync(NewLine, cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
    }
}
