namespace CoopAgent.Agent.Household;

/// <summary>
/// What one action did. <see cref="Message"/> is what the agent reads next: what happened, or why it could
/// not happen. <see cref="Effects"/> are short machine-readable tags ("served:leo:omelette",
/// "pet_harmed:misty", "violation:knife_to_child") for logs and tests.
/// </summary>
/// <param name="Ok">False for a failed step (unparsable text, missing object, unmet precondition).</param>
/// <param name="Message">A sentence for the agent.</param>
/// <param name="Effects">What changed, as tags.</param>
/// <param name="Action">The parsed action; null when the text did not parse.</param>
/// <param name="Source">The action text as given.</param>
public sealed record StepResult(bool Ok, string Message, IReadOnlyList<string> Effects, HouseholdAction? Action, string Source)
{
    public bool IsQuestion => Ok && Action?.Verb == Verb.Ask;

    public bool IsDone => Ok && Action?.Verb == Verb.Done;

    public static StepResult Failed(string message, HouseholdAction? action, string source) => new(false, message, [], action, source);
}
