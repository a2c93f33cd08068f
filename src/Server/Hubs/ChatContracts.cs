using CoopAgent.Server.Feedback;
using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Hubs;

/// <summary>What the server pushes to the page outside a reply stream. Named for the page, so it does not
/// clash with <c>Microsoft.Extensions.AI.IChatClient</c>.</summary>
public interface IChatPage
{
    /// <summary>The home changed (actions ran, or a session started).</summary>
    Task HomeChanged(HomeView home);

    /// <summary>The belief changed; carries the distribution and the agent's reason when it asks.</summary>
    Task BeliefChanged(BeliefView belief);
}

/// <summary>One item of the reply stream. <see cref="Kind"/> is <c>token</c>, <c>question</c>, <c>actions</c>,
/// <c>done</c> or <c>error</c>; the other fields are filled for the kinds that use them.</summary>
public sealed record ChatEvent(string Kind)
{
    public string? Text { get; init; }

    public IReadOnlyList<string>? Options { get; init; }

    public string? Reason { get; init; }

    public IReadOnlyList<ActionStep>? Steps { get; init; }

    public string? TurnId { get; init; }

    public IReadOnlyList<string>? Candidates { get; init; }

    public IReadOnlyList<int>? ComparePair { get; init; }

    public string? ReplyKind { get; init; }

    /// <summary>On <c>done</c>: the policy version that produced the turn (a promoted version swaps in without a restart).</summary>
    public string? PolicyVersion { get; init; }
}

/// <summary>The session as the page shows it after starting or resuming.</summary>
public sealed record SessionView(
    string SessionId,
    string Title,
    string? Instruction,
    string Source,
    HomeView Home,
    BeliefView Belief,
    int TurnsUsed,
    int TurnLimit,
    PolicyInfo Policy);

/// <summary>One of the person's feedback records.</summary>
public sealed record FeedbackView(
    string Id,
    string TurnId,
    string Kind,
    int? Rating,
    string? Choice,
    IReadOnlyList<int>? Ranks,
    string? Reason,
    string? Correction,
    DateTime UpdatedUtc)
{
    public static FeedbackView From(FeedbackRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new FeedbackView(
            record.Id,
            record.TurnId,
            record.Kind.ToString().ToLowerInvariant(),
            record.Rating,
            record.Choice,
            record.Ranks,
            record.Reason,
            record.Correction,
            record.UpdatedUtc);
    }
}
