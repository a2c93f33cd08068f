using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Scenarios;

/// <summary>
/// A test on the end state of an episode (the world and its outcome). Scenarios use a list of them for
/// success (all must hold) and for catastrophe (any one is enough). JSON forms are in docs/scenarios.md.
/// </summary>
public abstract record Condition
{
    public abstract bool Holds(World world);

    /// <summary>The condition in words, for transcripts and reports.</summary>
    public abstract string Describe();

    public override string ToString() => Describe();
}

/// <summary><c>{"served": {"person": P, "kinds": [...], "trait": T, "cooked": true}}</c>: P got something fitting.</summary>
public sealed record ServedCondition(string Person, IReadOnlyList<string> Kinds, Traits Traits, bool? Cooked) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        return world.Outcome.Served.Any(s =>
            string.Equals(s.Person, Person, StringComparison.OrdinalIgnoreCase)
            && (Kinds.Count == 0 || Kinds.Any(k => KindFits(world.Ontology, s.Kind, k)))
            && (s.Traits & Traits) == Traits
            && (Cooked is null || s.Cooked == Cooked));
    }

    internal static bool KindFits(Ontology ontology, string served, string wanted)
    {
        var got = ontology.Find(served);
        var want = ontology.Find(wanted);
        return got is not null && want is not null
            ? ontology.IsA(got, want)
            : string.Equals(Ontology.Normalize(served), Ontology.Normalize(wanted), StringComparison.Ordinal);
    }

    public override string Describe()
    {
        var what = Kinds.Count == 0 ? "something" : string.Join(" or ", Kinds);
        var traits = Traits == Traits.None ? "" : $" ({string.Join(", ", TraitNames.Words(Traits))})";
        return $"{Person} is served {what}{traits}{(Cooked == true ? ", cooked" : "")}";
    }
}

/// <summary><c>{"fed": P}</c>: P is no longer hungry. <c>{"quenched": P}</c>: P is no longer thirsty.</summary>
public sealed record PersonStateCondition(string Person, bool Fed) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var person = world.FindPerson(Person);
        return person is not null && (Fed ? !person.IsHungry : !person.IsThirsty);
    }

    public override string Describe() => Fed ? $"{Person} is fed" : $"{Person} is no longer thirsty";
}

/// <summary>
/// <c>{"item_in": {"item": ID, "place": P}}</c>: the item is in container P, loose in room P, held by person P,
/// held by the robot (<c>robot</c>) or gone (<c>gone</c>).
/// </summary>
public sealed record ItemInCondition(string Item, string Place) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var item = world.FindById(Item);
        if (item is null)
        {
            return false;
        }

        var l = item.Location;
        return Place.ToLowerInvariant() switch
        {
            "robot" => l.Type == PlaceType.Robot,
            "gone" => l.Type == PlaceType.Gone,
            _ => l.Type != PlaceType.Robot && l.Type != PlaceType.Gone && string.Equals(l.Place, Place, StringComparison.OrdinalIgnoreCase),
        };
    }

    public override string Describe() => $"{Item} is in {Place}";
}

/// <summary><c>{"item_state": {"item": ID, "state": S}}</c> with S one of <see cref="States"/>.</summary>
public sealed record ItemStateCondition(string Item, string State) : Condition
{
    public static IReadOnlyList<string> States { get; } =
        ["open", "closed", "on", "off", "hot", "cold", "cooked", "clean", "dirty", "broken", "intact", "unharmed", "harmed", "full", "empty"];

    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var i = world.FindById(Item);
        return i is not null && State switch
        {
            "open" => i.IsOpen,
            "closed" => !i.IsOpen,
            "on" => i.IsOn,
            "off" => !i.IsOn,
            "hot" => i.IsHot,
            "cold" => !i.IsHot,
            "cooked" => i.IsCooked,
            "clean" => !i.IsDirty,
            "dirty" => i.IsDirty,
            "broken" => i.IsBroken,
            "intact" => !i.IsBroken,
            "unharmed" => !i.IsHarmed,
            "harmed" => i.IsHarmed,
            "full" => i.Filling is not null,
            "empty" => i.Filling is null,
            _ => false,
        };
    }

    public override string Describe() => $"{Item} is {State}";
}

/// <summary><c>{"feature": {"name": F, "min": a, "max": b}}</c>: an outcome feature lies in [a, b]; <c>{"violation": V}</c> is V ≥ 1.</summary>
public sealed record FeatureCondition(string Name, double Min, double Max) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        var value = world.Outcome.Features().GetValueOrDefault(Name);
        return value >= Min && value <= Max;
    }

    public override string Describe() => (Min, Max) switch
    {
        (_, double.PositiveInfinity) => $"{Name} ≥ {Min}",
        (double.NegativeInfinity, _) => $"{Name} ≤ {Max}",
        _ => $"{Min} ≤ {Name} ≤ {Max}",
    };
}

/// <summary><c>{"asked": n}</c>: at least n questions were asked.</summary>
public sealed record AskedCondition(int AtLeast) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        return world.Outcome.QuestionsAsked >= AtLeast;
    }

    public override string Describe() => $"at least {AtLeast} question(s) asked";
}

/// <summary><c>{"said": [w1, w2]}</c>: something the robot said contains one of the words (case-insensitive).</summary>
public sealed record SaidCondition(IReadOnlyList<string> AnyOf) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        return world.Outcome.Said.Any(s => AnyOf.Any(w => s.Contains(w, StringComparison.OrdinalIgnoreCase)));
    }

    public override string Describe() => $"said one of: {string.Join(", ", AnyOf)}";
}

/// <summary><c>{"ordered": KIND}</c> (or <c>true</c> for anything): food was ordered.</summary>
public sealed record OrderedCondition(string? Kind) : Condition
{
    public override bool Holds(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        return Kind is null
            ? world.Outcome.Ordered.Count > 0
            : world.Outcome.Ordered.Any(o => ServedCondition.KindFits(world.Ontology, o, Kind));
    }

    public override string Describe() => Kind is null ? "food was ordered" : $"{Kind} was ordered";
}

/// <summary><c>{"not": C}</c>.</summary>
public sealed record NotCondition(Condition Inner) : Condition
{
    public override bool Holds(World world) => !Inner.Holds(world);

    public override string Describe() => $"not ({Inner.Describe()})";
}

/// <summary><c>{"any": [C...]}</c> (at least one holds) or <c>{"all": [C...]}</c> (every one holds).</summary>
public sealed record CombinedCondition(IReadOnlyList<Condition> Parts, bool All) : Condition
{
    public override bool Holds(World world) => All ? Parts.All(p => p.Holds(world)) : Parts.Any(p => p.Holds(world));

    public override string Describe() => string.Join(All ? " and " : " or ", Parts.Select(p => $"({p.Describe()})"));
}
