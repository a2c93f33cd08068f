namespace CoopAgent.Agent.Household;

/// <summary>The verbs of the robot's action language.</summary>
public enum Verb
{
    Goto,
    Open,
    Close,
    Take,
    Put,
    Give,
    Cook,
    Heat,
    Pour,
    Clean,
    Dispose,
    Order,
    TurnOn,
    TurnOff,
    Ask,
    Say,
    Wait,
    Done,
}

/// <summary>
/// One parsed action. <see cref="Thing"/> and <see cref="Target"/> are the words as written ("the red cup"),
/// resolved against the world only when the action runs.
/// </summary>
/// <param name="Verb">What to do.</param>
/// <param name="Thing">The thing acted on (or the room for goto, the food for order); empty when none.</param>
/// <param name="Target">The container (put), person (give) or vessel (pour); empty when none.</param>
/// <param name="Preposition">"in" or "on" for put, "into" for pour, "to" for give; empty otherwise.</param>
/// <param name="Text">The quoted text of ask and say; empty otherwise.</param>
public sealed record HouseholdAction(Verb Verb, string Thing = "", string Target = "", string Preposition = "", string Text = "")
{
    /// <summary>The canonical text form, which parses back to an equal action.</summary>
    public override string ToString() => Verb switch
    {
        Verb.Ask => $"ask \"{Text}\"",
        Verb.Say => $"say \"{Text}\"",
        Verb.Wait => "wait",
        Verb.Done => "done",
        Verb.TurnOn => $"turn on {Thing}",
        Verb.TurnOff => $"turn off {Thing}",
        Verb.Put or Verb.Give or Verb.Pour => $"{ActionParser.VerbWord(Verb)} {Thing} {Preposition} {Target}",
        _ => $"{ActionParser.VerbWord(Verb)} {Thing}",
    };
}

/// <summary>The result of parsing one action: the action, or why the text is not one.</summary>
/// <param name="Action">The action, or null when the text is not one.</param>
/// <param name="Error">Why the text is not an action; empty when it is.</param>
/// <param name="Source">The text that was parsed (one action, trimmed).</param>
public readonly record struct ParsedAction(HouseholdAction? Action, string Error, string Source)
{
    public bool Ok => Action is not null;
}

/// <summary>
/// An action whose words have been matched to the world as it is now: the item, target item, person, room or
/// food kind they name, or the reason they do not name exactly one thing (missing, ambiguous, a person where
/// an object was meant).
/// </summary>
/// <param name="Action">The parsed action; null when the text did not parse.</param>
/// <param name="Thing">The item acted on, for verbs that take one.</param>
/// <param name="TargetItem">The container of put or the vessel of pour.</param>
/// <param name="Person">The receiver of give.</param>
/// <param name="Room">The destination of goto.</param>
/// <param name="Food">The kind to order.</param>
/// <param name="Error">Why the words do not resolve; empty when they do.</param>
public sealed record ResolvedAction(
    HouseholdAction? Action, Item? Thing, Item? TargetItem, Person? Person, Room? Room, ObjectKind? Food, string Error)
{
    public bool Ok => Error.Length == 0;
}
