using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Planning;

/// <summary>
/// The baseline that knows only the words: it maps the instruction's verb onto a goal kind and its nouns
/// onto things in the world, then takes the first physically possible plan that fits, with no idea what
/// anyone values. "Look after Leo; cook if he gets hungry" with an empty fridge and the cat nearby is
/// "cook the cat for Leo": the cat is the only cookable thing it can see.
/// </summary>
public static class LiteralFollower
{
    private static readonly (string[] Words, GoalKind[] Kinds)[] VerbMap =
    [
        (["cook", "whip up", "heat something", "feed", "hungry", "eat", "dinner", "lunch", "breakfast", "meal", "snack", "food", "starving"], [GoalKind.Cook, GoalKind.Serve, GoalKind.HeatAndServe]),
        (["throw", "bin", "dispose", "get rid", "chuck", "toss", "dump", "rubbish", "clear out", "empty the"], [GoalKind.Dispose]),
        (["clean", "tidy", "wipe", "mess", "filthy", "straighten"], [GoalKind.Clean, GoalKind.Put]),
        (["put", "store", "stick", "pop the", "move the", "goes in", "away"], [GoalKind.Put]),
        (["drink", "thirsty", "pour", "coffee", "tea", "juice", "water", "milk", "soda", "cola"], [GoalKind.Serve, GoalKind.HeatAndServe]),
        (["bring", "get", "fetch", "grab", "pass", "hand", "need", "give", "serve"], [GoalKind.Serve, GoalKind.Fetch]),
        (["look after", "watch", "mind", "keep an eye", "babysit", "take care", "stay with", "in charge", "company"], [GoalKind.Wait]),
    ];

    /// <summary>The goal kinds the instruction's words ask for, most specific first (empty: nothing recognised).</summary>
    public static IReadOnlyList<GoalKind> GoalKinds(string instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        var text = " " + Ontology.Normalize(instruction) + " ";
        return VerbMap.Where(v => v.Words.Any(w => text.Contains(" " + w, StringComparison.Ordinal)))
            .SelectMany(v => v.Kinds)
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// The literal plan for <paramref name="instruction"/> on <paramref name="world"/> (what the robot can see),
    /// spoken by <paramref name="speaker"/>; null when no plan fits the words.
    /// </summary>
    public static CandidatePlan? Choose(World world, string instruction, string speaker)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(instruction);
        var plans = PlanEnumerator.Enumerate(world).Select(p => p.Plan).ToList();
        var kinds = GoalKinds(instruction);
        var recipient = Recipient(world, instruction, speaker);
        var named = NamedKinds(world, instruction);
        foreach (var kind in kinds)
        {
            var fitting = plans.Where(p => p.Kind == kind && !p.Goal.StartsWith("make the home safe", StringComparison.Ordinal)).ToList();
            if (recipient is not null && fitting.Any(p => p.Person == recipient))
            {
                fitting = fitting.Where(p => p.Person == recipient).ToList();
            }

            if (named.Count > 0)
            {
                var matching = fitting.Where(p => p.ItemId is { } id && world.FindById(id) is { } item
                                                 && named.Any(k => world.Ontology.IsA(item.Kind, k) || (item.Filling is { } f && world.Ontology.IsA(f, k)))).ToList();
                if (matching.Count > 0)
                {
                    return matching[0];
                }
            }

            if (fitting.Count > 0)
            {
                return fitting[0];
            }
        }

        return null;
    }

    /// <summary>Who the thing is for: a person named in the words, else the child the words are about, else the speaker.</summary>
    private static string? Recipient(World world, string instruction, string speaker)
    {
        var words = Ontology.Normalize(instruction).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim(',', '.', '?', '!', ';', ':')).ToHashSet(StringComparer.Ordinal);
        var named = world.People.FirstOrDefault(p => words.Contains(p.Name) && p.Name != speaker);
        if (named is not null)
        {
            return named.Name;
        }

        if (words.Overlaps(["he", "him", "she", "her", "they", "child", "kid", "kids", "baby", "boy", "girl", "son", "daughter"])
            && world.People.FirstOrDefault(p => p.IsChild) is { } child)
        {
            return child.Name;
        }

        return world.FindPerson(speaker)?.Name ?? (world.People.Count > 0 ? world.People[0].Name : null);
    }

    /// <summary>Kinds named by single words or word pairs of the instruction ("cola", "red cup", "ice cream").</summary>
    private static List<ObjectKind> NamedKinds(World world, string instruction)
    {
        var words = Ontology.Normalize(instruction).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim(',', '.', '?', '!', ';', ':')).Where(w => w.Length > 2).ToList();
        var kinds = new List<ObjectKind>();
        for (var n = 2; n >= 1; n--)
        {
            for (var i = 0; i + n <= words.Count; i++)
            {
                var phrase = string.Join(' ', words.Skip(i).Take(n));
                if (world.Ontology.Find(phrase) is { } kind && kind.Category != KindCategory.Person && kind.Name is not ("thing" or "food" or "drink" or "meal"))
                {
                    kinds.Add(kind);
                }
            }
        }

        return kinds;
    }
}
