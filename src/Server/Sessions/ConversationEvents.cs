namespace CoopAgent.Server.Sessions;

/// <summary>Something that happened while the agent handled one message.</summary>
public abstract record ConversationEvent;

/// <summary>A piece of the reply text, streamed as the policy produces it.</summary>
public sealed record ReplyToken(string Text) : ConversationEvent;

/// <summary>The agent asks before acting: the question, answer options for buttons, and why it asks.</summary>
public sealed record QuestionAsked(string Text, IReadOnlyList<string> Options, string Reason) : ConversationEvent;

/// <summary>Actions the robot executed in the simulator and the home afterwards.</summary>
public sealed record ActionsExecuted(IReadOnlyList<ActionStep> Steps, HomeView Home) : ConversationEvent;

/// <summary>The belief after an update (instruction, answer, observed outcome).</summary>
public sealed record BeliefUpdated(BeliefView Belief) : ConversationEvent;

/// <summary>The turn is over; what the agent saw, every candidate it considered and what it said.</summary>
public sealed record TurnCompleted(TurnTranscript Turn) : ConversationEvent;

/// <summary>The turn failed; the message is safe to show.</summary>
public sealed record TurnFailed(string Message) : ConversationEvent;

/// <summary>One primitive action and how it went.</summary>
public sealed record ActionStep(string Action, bool Ok, string Message);

/// <summary>
/// The record of one agent turn kept for feedback: the prompt (context) the policy saw, every candidate it
/// proposed (shown to the person for comparison and ranking), the index of the one given, its kind
/// (<c>plan</c>, <c>question</c> or <c>say</c>) and the policy version.
/// </summary>
public sealed record TurnTranscript(
    string Prompt,
    IReadOnlyList<string> Candidates,
    int ChosenIndex,
    string Reply,
    string Kind,
    string PolicyVersion);

/// <summary>The home as the page draws it.</summary>
public sealed record HomeView(string RobotRoom, IReadOnlyList<string> Holding, IReadOnlyList<RoomView> Rooms);

/// <summary>One room: its containers, loose objects, people and pets.</summary>
public sealed record RoomView(
    string Name,
    IReadOnlyList<ContainerView> Containers,
    IReadOnlyList<string> Objects,
    IReadOnlyList<string> People,
    IReadOnlyList<string> Pets);

/// <summary>A container (fridge, cupboard) with its contents; closed containers still list them for the page.</summary>
public sealed record ContainerView(string Name, bool Open, IReadOnlyList<string> Contents);

/// <summary>The belief as a distribution over named hypotheses, with the agent's reason when it asks.</summary>
public sealed record BeliefView(IReadOnlyList<BeliefBar> Hypotheses, string? Reason);

/// <summary>One bar of the belief chart.</summary>
public sealed record BeliefBar(string Label, double Probability);
