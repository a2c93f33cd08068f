namespace CoopAgent.Server.Feedback;

// LiteDB maps these plain classes (public setters, parameterless constructors); dates are UTC.

/// <summary>A person known to the server only by a pseudonymous id and the hash of their token.</summary>
public sealed class UserRecord
{
    public string Id { get; set; } = "";

    /// <summary>SHA-256 of the bearer token, hex; the token itself is never stored.</summary>
    public string TokenHash { get; set; } = "";

    public DateTime CreatedUtc { get; set; }
}

/// <summary>One chat session in one household.</summary>
public sealed class SessionRecord
{
    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    public string Source { get; set; } = "";
    public string? ScenarioId { get; set; }
    public string Title { get; set; } = "";
    public DateTime StartedUtc { get; set; }
}

/// <summary>One agent turn: the context it saw, every candidate shown, the reply given, the policy version.</summary>
public sealed class TurnRecord
{
    public string Id { get; set; } = "";
    public string SessionId { get; set; } = "";
    public string UserId { get; set; } = "";
    public int Index { get; set; }
    public string UserMessage { get; set; } = "";

    /// <summary>The prompt the policy was given (observation and dialogue so far).</summary>
    public string Prompt { get; set; } = "";

    public List<string> Candidates { get; set; } = [];
    public int ChosenIndex { get; set; }
    public string Reply { get; set; } = "";

    /// <summary><c>plan</c>, <c>question</c> or <c>say</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The two candidates shown for "which is better" (A is the reply given); null when every
    /// candidate was the same text.</summary>
    public int[]? ComparePair { get; set; }

    public string PolicyVersion { get; set; } = "";
    public DateTime CreatedUtc { get; set; }
}

/// <summary>The kinds of feedback a person can give on a turn.</summary>
public enum FeedbackKind
{
    Thumbs,
    Comparison,
    Ranking,
    Correction,
}

/// <summary>One feedback event; a person has at most one of each kind per turn (giving it again changes it).</summary>
public sealed class FeedbackRecord
{
    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    public string TurnId { get; set; } = "";
    public FeedbackKind Kind { get; set; }

    /// <summary>Thumbs: +1 up, −1 down.</summary>
    public int? Rating { get; set; }

    /// <summary>Comparison: <c>a</c>, <c>b</c>, <c>tie</c> or <c>both_bad</c>.</summary>
    public string? Choice { get; set; }

    /// <summary>Ranking: the rank of each candidate (1 is best; equal ranks are ties), by candidate index.</summary>
    public List<int>? Ranks { get; set; }

    public string? Reason { get; set; }
    public string? Correction { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>The agent's belief about one person, kept across sessions.</summary>
public sealed class BeliefRecord
{
    /// <summary>The user id (one belief per person).</summary>
    public string Id { get; set; } = "";

    /// <summary>The belief as the agent serialises it.</summary>
    public string State { get; set; } = "";

    public DateTime UpdatedUtc { get; set; }
}
