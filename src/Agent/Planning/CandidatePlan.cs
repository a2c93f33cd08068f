namespace CoopAgent.Agent.Planning;

/// <summary>The kind of goal a candidate plan pursues.</summary>
public enum GoalKind
{
    /// <summary>Give an edible or drinkable item to a person as it is.</summary>
    Serve,

    /// <summary>Heat a drink or food, then give it.</summary>
    HeatAndServe,

    /// <summary>Cook something (anything physically cookable, pets included), then give it.</summary>
    Cook,

    /// <summary>Order food for delivery, then give it.</summary>
    Order,

    /// <summary>Bring a non-food item to a person.</summary>
    Fetch,

    /// <summary>Put an item in or on a container.</summary>
    Put,

    Dispose,
    Clean,

    /// <summary>Switch off what is left on, put sharp things away from children.</summary>
    MakeSafe,

    /// <summary>Tell the person something (that it cannot be done), then finish.</summary>
    Tell,

    /// <summary>Wait (for the person to come back or bring something), then finish.</summary>
    Wait,

    /// <summary>Finish without doing anything.</summary>
    Nothing,
}

/// <summary>
/// One goal-level plan compiled to primitive actions of the action language, for example
/// <c>Serve tea to tom</c> → <c>goto kitchen; open cupboard; take tea; goto living room; give tea to tom; done</c>.
/// </summary>
/// <param name="Kind">What sort of goal.</param>
/// <param name="Goal">The goal in words ("cook eggs for leo"), also what a person hears when it is offered.</param>
/// <param name="Actions">The primitive actions, the last one <c>done</c>.</param>
/// <param name="ItemId">The main item's id; null for wait/nothing.</param>
/// <param name="Person">Who it is for; null when nobody in particular.</param>
public sealed record CandidatePlan(GoalKind Kind, string Goal, IReadOnlyList<string> Actions, string? ItemId = null, string? Person = null)
{
    /// <summary>The actions joined by <c>; </c>: the policy's plan format.</summary>
    public string Text => string.Join("; ", Actions);

    public override string ToString() => $"{Goal}: {Text}";
}
