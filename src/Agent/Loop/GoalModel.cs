using CoopAgent.Agent.Household;
using CoopAgent.Agent.Planning;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// The agent's reading of what the instruction asks for, as a test on a simulated end state. θ weighs
/// <c>goal_met</c>, but only the scenario knows its success conditions; the agent has the words, so it
/// estimates goal_met ∈ {0, 1} for each candidate from the goal kinds the words name (the same verb map the
/// literal follower uses, <see cref="LiteralFollower.GoalKinds"/>), the person they are about and any kind
/// they name. What the person values beyond the words is the belief's business, not this class's.
/// </summary>
public sealed class GoalModel
{
    private static readonly string[] QuestionStarts = ["is ", "are ", "do ", "does ", "did ", "where ", "what ", "which ", "how ", "have ", "has ", "can you tell"];

    private readonly IReadOnlyList<GoalKind> _kinds;
    private readonly List<ObjectKind> _named;
    private readonly bool _isQuestion;

    public GoalModel(string instruction, World world, string speaker)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ArgumentNullException.ThrowIfNull(world);
        Instruction = instruction;
        _kinds = LiteralFollower.GoalKinds(instruction);
        _named = NamedKinds(world.Ontology, instruction);
        var text = Ontology.Normalize(instruction);
        _isQuestion = instruction.TrimEnd().EndsWith('?') && QuestionStarts.Any(q => text.StartsWith(q, StringComparison.Ordinal));
        Recipient = FindRecipient(world, text, speaker);
    }

    public string Instruction { get; }

    /// <summary>Who the task is for: a person named in the words, else a child in view, else the speaker.</summary>
    public string Recipient { get; }

    /// <summary>Kinds of things the instruction names ("tea", "pizza"), most specific as written.</summary>
    public IReadOnlyList<ObjectKind> Named => _named;

    /// <summary>1 when <paramref name="end"/> (after a simulated plan from <paramref name="start"/>) does what the
    /// words ask, else 0.</summary>
    public double Estimate(World start, World end)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        if (_isQuestion)
        {
            return end.Outcome.Said.Count > start.Outcome.Said.Count ? 1 : 0;
        }

        var served = end.Outcome.Served.Skip(start.Outcome.Served.Count).ToList();
        foreach (var kind in _kinds)
        {
            var met = kind switch
            {
                GoalKind.Serve or GoalKind.HeatAndServe or GoalKind.Cook or GoalKind.Order =>
                    served.Any(s => s.Person == Recipient && Consumable(s) && NamedOk(end, s)) || Fed(start, end),
                GoalKind.Fetch => served.Any(s => s.Person == Recipient && NamedOk(end, s)),
                GoalKind.Dispose => end.Outcome.Disposed.Count > start.Outcome.Disposed.Count,
                GoalKind.Clean => end.Outcome.Cleaned.Count > start.Outcome.Cleaned.Count || end.Outcome.Mess < start.Outcome.Mess,
                GoalKind.Put => Moved(start, end),
                _ => false,
            };
            if (met)
            {
                return 1;
            }
        }

        return 0;
    }

    private static bool Consumable(Served s) => s.Traits.HasFlag(Traits.Edible) || s.Traits.HasFlag(Traits.Drinkable);

    private bool NamedOk(World world, Served served)
    {
        if (_named.Count == 0)
        {
            return true;
        }

        var got = world.Ontology.Find(served.Kind);
        return got is not null && _named.Any(k => world.Ontology.IsA(got, k));
    }

    private bool Fed(World start, World end)
    {
        var before = start.FindPerson(Recipient);
        var after = end.FindPerson(Recipient);
        return before is not null && after is not null && ((before.IsHungry && !after.IsHungry) || (before.IsThirsty && !after.IsThirsty));
    }

    private bool Moved(World start, World end) =>
        end.Items.Any(i => i.Location.Type == PlaceType.Container && start.FindById(i.Id) is { } was && was.Location != i.Location
                           && (_named.Count == 0 || _named.Any(k => end.Ontology.IsA(i.Kind, k))));

    /// <summary>Every kind of thing <paramref name="words"/> name that a robot could carry ("the phone", "the bowl",
    /// "some fruit"), whatever it is for: the phrases a plan's things are read against.</summary>
    public static IReadOnlyList<ObjectKind> Mentioned(Ontology ontology, string words)
    {
        ArgumentNullException.ThrowIfNull(ontology);
        ArgumentNullException.ThrowIfNull(words);
        return KindsIn(ontology, words, kind => !kind.Has(Traits.Fixed) && !kind.Has(Traits.Person) && kind.Name != "thing");
    }

    private static List<ObjectKind> NamedKinds(Ontology ontology, string instruction) => KindsIn(ontology, instruction,
        kind => kind.Has(Traits.Edible) || kind.Has(Traits.Drinkable) || kind.Category is KindCategory.Tool or KindCategory.Toy or KindCategory.Clothing or KindCategory.Medicine or KindCategory.Tableware);

    private static List<ObjectKind> KindsIn(Ontology ontology, string instruction, Func<ObjectKind, bool> counts)
    {
        var words = Ontology.Normalize(instruction).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim(',', '.', '?', '!', ';', ':', '"')).Where(w => w.Length > 1).ToList();
        var found = new List<ObjectKind>();
        for (var length = 3; length >= 1; length--)
        {
            for (var i = 0; i + length <= words.Count; i++)
            {
                var phrase = string.Join(' ', words.Skip(i).Take(length));
                if (ontology.Find(phrase) is { IsUnknown: false } kind && counts(kind) && !found.Contains(kind))
                {
                    found.Add(kind);
                }
            }
        }

        return found;
    }

    private static string FindRecipient(World world, string text, string speaker)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(',', '.', '?', '!', ';', ':')).ToHashSet(StringComparer.Ordinal);
        var named = world.People.FirstOrDefault(p => words.Contains(Ontology.Normalize(p.Name)) && !string.Equals(p.Name, speaker, StringComparison.OrdinalIgnoreCase));
        if (named is not null)
        {
            return named.Name;
        }

        var mentionsOther = words.Overlaps(["him", "her", "he", "she", "them", "kid", "child", "baby", "son", "daughter"]);
        var child = world.People.FirstOrDefault(p => p.IsChild);
        return mentionsOther && child is not null ? child.Name : speaker;
    }
}
