namespace CoopAgent.Server.Sessions;

/// <summary>
/// The seam between the chat hub and the cooperative agent: the hub only translates between the browser
/// and this interface, and <see cref="CooperativeConversationEngine"/> implements it over the Agent
/// project's world, belief and policy.
/// </summary>
public interface IConversationEngine
{
    /// <summary>The policy the agent speaks with: its version and whether it was ever trained.</summary>
    PolicyInfo Policy { get; }

    /// <summary>The built-in scenarios a person can pick from.</summary>
    IReadOnlyList<ScenarioSummary> Scenarios { get; }

    /// <summary>Starts a conversation in a household. Throws <see cref="ConversationRejectedException"/>
    /// with a readable message for an unknown scenario or a scenario JSON that does not validate.</summary>
    Task<IConversation> StartAsync(string userId, SessionStart start, CancellationToken cancellationToken);
}

/// <summary>One person's conversation with the robot in one household.</summary>
public interface IConversation : IAsyncDisposable
{
    /// <summary>A title for the page header (the scenario's name, or "Free household").</summary>
    string Title { get; }

    /// <summary>The scenario's opening instruction, if it has one (null in a free household).</summary>
    string? Instruction { get; }

    /// <summary>The home as it stands now.</summary>
    HomeView Home { get; }

    /// <summary>The agent's current belief over the person's hidden reward.</summary>
    BeliefView Belief { get; }

    /// <summary>Handles one message from the person (an instruction, or the answer to a question) and yields
    /// what happens: reply tokens, a question, executed actions, belief updates, then exactly one
    /// <see cref="TurnCompleted"/> or <see cref="TurnFailed"/>.</summary>
    IAsyncEnumerable<ConversationEvent> RespondAsync(string message, CancellationToken cancellationToken);

    /// <summary>Feedback on the latest turn, which the agent learns from at once (it moves the belief).
    /// Returns the belief afterwards, or null when the agent takes nothing from it.</summary>
    BeliefView? ApplyFeedback(ConversationFeedback feedback);
}

/// <summary>Feedback on the latest turn, in the terms the agent learns from.</summary>
public abstract record ConversationFeedback;

/// <summary>Thumbs up or down on the reply given.</summary>
public sealed record ThumbsFeedback(bool Up) : ConversationFeedback;

/// <summary>"Which is better" between two replies shown: <c>a</c>, <c>b</c>, <c>tie</c> or <c>both_bad</c>.</summary>
public sealed record ComparisonFeedback(string First, string Second, string Choice) : ConversationFeedback;

/// <summary>A ranking of the replies shown: rank 1 best, equal ranks ties.</summary>
public sealed record RankingFeedback(IReadOnlyList<string> Replies, IReadOnlyList<int> Ranks) : ConversationFeedback;

/// <summary>The reply the agent should have given, written after seeing <see cref="Shown"/>.</summary>
public sealed record CorrectionFeedback(string Correction, IReadOnlyList<string> Shown) : ConversationFeedback;

/// <summary>Where the household of a new session comes from.</summary>
public enum HouseholdSource
{
    Builtin,
    Upload,
    Free,
}

/// <summary>What a person asked for when starting a session.</summary>
public sealed record SessionStart(HouseholdSource Source, string? ScenarioId = null, string? ScenarioJson = null);

/// <summary>A built-in scenario as the page lists it.</summary>
public sealed record ScenarioSummary(string Id, string Title, string Instruction);

/// <summary>The loaded policy: version (from its manifest), whether it is a trained checkpoint, where it came from, and
/// how it computes (<c>fp32</c> or <c>bf16</c>, see <see cref="Alignment.Models.InferencePrecision"/>).</summary>
public sealed record PolicyInfo(string Version, bool Trained, string Source, string Precision = "fp32");

/// <summary>A start request the engine refuses (unknown scenario, invalid scenario JSON); the message is
/// shown to the person as it is.</summary>
public sealed class ConversationRejectedException(string message) : Exception(message);
