using System.Globalization;
using System.Text.RegularExpressions;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Humans;

/// <summary>A person's answer to a question. <see cref="Choice"/> is the index of the option chosen (for a
/// yes/no question 0 = yes, 1 = no), or null when none was ("I don't mind", a free-text answer, a fact).</summary>
public sealed record HumanAnswer(string Text, int? Choice, bool Indifferent = false);

/// <summary>How a simulated person behaves: rationality β of the Boltzmann choice (∞ = always the best) and
/// the utility difference under which two options are "the same to me".</summary>
public sealed record HumanOptions(double Rationality = 2.0, double TieTolerance = 0.25);

/// <summary>
/// A person with a hidden reward θ living in a simulated home. They judge anything the robot might do by
/// simulating it on a copy of the home and taking θ's utility of the result (through the scenario's judge,
/// which decides goal_met): they answer clarifying questions Boltzmann-rationally
/// (P(option i) ∝ exp(β·U_i), "I don't mind" when the options tie), rank replies with ties, and correct the
/// robot with the reply the oracle would give. All randomness comes from the seeded <see cref="Random"/>.
/// </summary>
public sealed partial class SimulatedHuman
{
    private static readonly string[] QuestionOpeners =
    [
        "shall i", "should i", "do you want me to", "would you like me to", "would you like", "do you want",
        "can i", "could i", "may i", "is it ok to", "is it okay to", "would you prefer", "do you prefer", "i could",
        "or should i", "or shall i", "or",
    ];

    private static readonly string[] WaitWords = ["wait", "later", "yourself", "you bring", "you get", "you'll", "will you", "you come", "come back", "nothing"];

    private readonly Func<World, ScenarioHypothesis, ScenarioVerdict> _judge;
    private readonly Random _random;

    public SimulatedHuman(ScenarioHypothesis truth, Func<World, ScenarioHypothesis, ScenarioVerdict> judge, HumanOptions options, Random random)
    {
        Truth = truth ?? throw new ArgumentNullException(nameof(truth));
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _random = random ?? throw new ArgumentNullException(nameof(random));
    }

    /// <summary>A person of <paramref name="scenario"/> whose θ is <paramref name="truth"/>.</summary>
    public static SimulatedHuman For(Scenario scenario, ScenarioHypothesis truth, HumanOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new SimulatedHuman(truth, scenario.Judge, options, new Random(seed));
    }

    public ScenarioHypothesis Truth { get; }

    public HumanOptions Options { get; }

    /// <summary>An instruction for <paramref name="intent"/> in this person's words: a template, often without
    /// the object, sometimes with a typo (<see cref="InstructionTemplates.Write"/>), from the person's seeded randomness.</summary>
    public string Instruct(InstructionIntent intent, InstructionSlots slots, double typoRate = 0.1) =>
        InstructionTemplates.Write(intent, slots, _random, typoRate);

    /// <summary>θ's utility of a finished world (judged on a copy; the argument is not changed).</summary>
    public double Utility(World end)
    {
        ArgumentNullException.ThrowIfNull(end);
        var copy = end.Clone();
        Simulator.EndEpisode(copy);
        return _judge(copy, Truth).Utility;
    }

    /// <summary>
    /// What a reply is worth to this person if the robot does it from <paramref name="world"/>: the reply (a
    /// plan, a question or a say) is simulated on a copy. A plan that stops at a question is followed by the best
    /// continuation (the person answers and the robot then does the right thing); a plan without <c>done</c>
    /// is closed as it stands.
    /// </summary>
    public double ValueOfReply(World world, string reply, int maxSteps = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(world);
        var copy = world.Clone();
        var results = Simulator.ExecutePlan(copy, reply);
        if (results.Count > 0 && results[^1].IsQuestion)
        {
            return BestPlan(copy, Math.Max(1, maxSteps - results.Count)).Utility;
        }

        return Utility(copy);
    }

    /// <summary>The reply the oracle gives from here: θ's best plan (for corrections and demonstrations).</summary>
    public ScoredPlan BestPlan(World world, int maxSteps = int.MaxValue) => OraclePlanner.Plan(world, _judge, Truth, Math.Max(1, maxSteps));

    /// <summary>A written correction: "Better: " and the oracle's plan.</summary>
    public string Correct(World world, int maxSteps = int.MaxValue) => BestPlan(world, maxSteps).Plan.Text;

    /// <summary>
    /// Ranks K replies by <see cref="ValueOfReply"/>: returns each reply's rank (0 = best); replies within the
    /// tie tolerance of their group's best share a rank.
    /// </summary>
    public int[] Rank(World world, IReadOnlyList<string> replies, int maxSteps = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(replies);
        var values = replies.Select(r => ValueOfReply(world, r, maxSteps)).ToArray();
        return BoltzmannChoice.Rank(values, Options.TieTolerance);
    }

    /// <summary>
    /// Chooses between two replies Boltzmann-rationally; null when they tie (the person does not mind).
    /// </summary>
    public int? Choose(World world, string first, string second, int maxSteps = int.MaxValue)
    {
        double[] values = [ValueOfReply(world, first, maxSteps), ValueOfReply(world, second, maxSteps)];
        return Math.Abs(values[0] - values[1]) <= Options.TieTolerance ? null : BoltzmannChoice.Sample(values, Options.Rationality, _random);
    }

    /// <summary>
    /// Answers a question asked in <paramref name="world"/>. With <paramref name="options"/> (plans), each is
    /// simulated and one is chosen Boltzmann-rationally. Without, the question's words are read: "A or B"
    /// alternatives are matched to candidate plans (an alternative is worth its best matching plan); a yes/no
    /// question compares its plan with the best other plan; an open question is answered from θ (the
    /// hypothesis's own words when the scenario gives them, else the best plan's goal).
    /// </summary>
    public HumanAnswer Answer(World world, string question, IReadOnlyList<string>? options = null, int maxSteps = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(question);
        if (options is { Count: > 0 })
        {
            var values = options.Select(o => ValueOfReply(world, o, maxSteps)).ToArray();
            return ChooseAmong(values, options.Select(o => Describe(o)).ToList());
        }

        maxSteps = Math.Max(1, maxSteps);
        if (FactAnswer(world, question) is { } fact)
        {
            return new HumanAnswer(fact, null);
        }

        var plans = OraclePlanner.Score(PlanEnumerator.Enumerate(world), _judge, Truth, maxSteps);
        var alternatives = Alternatives(question);
        var matched = alternatives
            .Select(a => (Phrase: a, Plans: plans.Where(p => Matches(a, p.Plan, world)).ToList()))
            .Where(a => a.Plans.Count > 0)
            .ToList();

        if (matched.Count >= 2)
        {
            return ChooseAmong(matched.Select(m => m.Plans.Max(p => p.Utility)).ToArray(), matched.Select(m => m.Phrase).ToList());
        }

        if (FeatureAnswer(question) is { } feeling)
        {
            return new HumanAnswer(feeling, null);
        }

        var open = Ontology.Normalize(question).Split(' ')[0] is "what" or "which" or "how" or "what's" or "anything";
        if (matched.Count == 1 && !open && plans.Count > matched[0].Plans.Count)
        {
            // Yes/no: this alternative against the best of everything else.
            var yes = matched[0].Plans.Max(p => p.Utility);
            var others = plans.Except(matched[0].Plans).ToList();
            var no = others.Max(p => p.Utility);
            if (Math.Abs(yes - no) <= Options.TieTolerance)
            {
                return new HumanAnswer("I don't mind.", null, Indifferent: true);
            }

            return BoltzmannChoice.Sample([yes, no], Options.Rationality, _random) == 0
                ? new HumanAnswer("Yes, please.", 0)
                : new HumanAnswer($"No. {Wish(OraclePlanner.Best(others))}", 1);
        }

        return new HumanAnswer(Wish(OraclePlanner.Best(plans)), null);
    }

    private HumanAnswer ChooseAmong(double[] values, List<string> phrases)
    {
        var near = BoltzmannChoice.NearBest(values, Options.TieTolerance);
        if (near.Count == values.Length)
        {
            return new HumanAnswer(values.Length == 2 ? "Either is fine." : "I don't mind.", null, Indifferent: true);
        }

        var choice = BoltzmannChoice.Sample(values, Options.Rationality, _random);
        return new HumanAnswer(Affirm(phrases[choice]), choice);
    }

    /// <summary>What the person wants, in words: their own when the scenario gives them, else the goal.</summary>
    private string Wish(ScoredPlan best) =>
        Truth.Answer ?? (best.Plan.Kind is GoalKind.Wait or GoalKind.Nothing
            ? "Just leave it for now."
            : $"Please {best.Plan.Goal}.");

    /// <summary>Words that point at an outcome feature, and what the person says when it matters to them.</summary>
    private static readonly (string[] Words, string Feature, string Mind)[] FeatureWords =
    [
        (["money", "spend", "cost", "pay", "expensive", "price"], FeatureNames.Money, "I'd rather not spend money on it."),
        (["long", "time", "minutes", "hurry", "quick", "wait"], FeatureNames.Minutes, "I'm in a hurry, so quicker is better."),
        (["waste", "throw out", "leftover"], FeatureNames.Wasted, "Please don't waste anything."),
        (["mess", "messy", "clean up after"], FeatureNames.Mess, "Please don't make a mess."),
    ];

    /// <summary>
    /// "Is it ok to spend money on this?": a question about an outcome feature is answered from θ's weight on it,
    /// compared with the common-sense default (at least twice as negative: it matters to this person).
    /// </summary>
    private string? FeatureAnswer(string question)
    {
        var q = " " + Ontology.Normalize(question) + " ";
        foreach (var (words, feature, mind) in FeatureWords)
        {
            if (words.Any(w => q.Contains(" " + w, StringComparison.Ordinal)))
            {
                var usual = HiddenReward.DefaultWeights.GetValueOrDefault(feature);
                return Truth.Theta.Weight(feature) < 2 * usual ? mind : "That's fine, I don't mind.";
            }
        }

        return null;
    }

    /// <summary>"Is there milk in the fridge?", "Where is the cola?": the person knows their home.</summary>
    private static string? FactAnswer(World world, string question)
    {
        var q = Ontology.Normalize(question);
        var isFact = q.StartsWith("is there", StringComparison.Ordinal) || q.StartsWith("are there", StringComparison.Ordinal)
                     || q.StartsWith("do we have", StringComparison.Ordinal) || q.StartsWith("where is", StringComparison.Ordinal)
                     || q.StartsWith("where are", StringComparison.Ordinal) || q.StartsWith("what is in", StringComparison.Ordinal)
                     || q.StartsWith("what's in", StringComparison.Ordinal);
        if (!isFact)
        {
            return null;
        }

        var words = q.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(',', '.', '?')).ToList();
        var container = world.Items.FirstOrDefault(i => i.IsContainer && words.Contains(i.Name) && q.Contains(" in ", StringComparison.Ordinal));
        var kinds = words.Select(w => world.Ontology.Find(w)).OfType<ObjectKind>()
            .Where(k => container is null || k != container.Kind).Distinct().ToList();
        if (q.StartsWith("what", StringComparison.Ordinal) && container is not null)
        {
            var inside = world.Contents(container).Select(i => i.Name).ToList();
            return inside.Count == 0 ? $"The {container.Name} is empty." : $"There's {string.Join(", ", inside)} in the {container.Name}.";
        }

        var found = world.Items.Where(i => i.Location.Type != PlaceType.Gone
                                           && kinds.Any(k => world.Ontology.IsA(i.Kind, k))
                                           && (container is null || i.Location.Place == container.Id)).ToList();
        if (kinds.Count == 0)
        {
            return "I'm not sure what you mean.";
        }

        if (found.Count == 0)
        {
            return container is null ? $"No, we don't have any {kinds[0].Name}." : $"No, there's no {kinds[0].Name} in the {container.Name}.";
        }

        var where = found[0].Location.Type == PlaceType.Container && world.FindById(found[0].Location.Place) is { } c
            ? $"in the {c.Name}"
            : $"in the {world.RoomOf(found[0]) ?? "house"}";
        return $"Yes, there's {found[0].Name} {where}.";
    }

    /// <summary>Splits "Shall I order food, or will you bring some?" into its alternatives.</summary>
    internal static IReadOnlyList<string> Alternatives(string question)
    {
        // "The fridge is empty. Shall I order food, or will you bring some?": the question is the last sentence.
        var sentences = Ontology.Normalize(question).Split([". ", "! "], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var q = (sentences.LastOrDefault(x => x.Contains('?', StringComparison.Ordinal)) ?? sentences.LastOrDefault() ?? "")
            .Replace(", or ", " or ", StringComparison.Ordinal);
        return q.Split([" or ", ";"], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(StripOpener)
            .Where(a => a.Length > 0)
            .ToList();
    }

    private static string StripOpener(string phrase)
    {
        var p = phrase.Trim(' ', ',', '?', '.');
        var someone = OpenerAboutSomeone().Match(p);
        if (someone.Success)
        {
            return p[someone.Length..].Trim();
        }

        foreach (var opener in QuestionOpeners.OrderByDescending(o => o.Length))
        {
            if (p.StartsWith(opener + " ", StringComparison.Ordinal))
            {
                return p[(opener.Length + 1)..].Trim();
            }
        }

        return p;
    }

    /// <summary>"should leo have", "does anna want", "would tom like": a question about someone else's wish.</summary>
    [GeneratedRegex(@"^(should|does|would|will|can) \w+ (have|want|like|prefer|get) ", RegexOptions.CultureInvariant)]
    private static partial Regex OpenerAboutSomeone();

    /// <summary>Whether an alternative's words point at a plan: its verb, its item and its person.</summary>
    private static bool Matches(string phrase, CandidatePlan plan, World world)
    {
        var words = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(',', '.', '?', '!', '"')).ToHashSet(StringComparer.Ordinal);
        var text = " " + phrase + " ";
        if (WaitWords.Any(w => text.Contains(" " + w, StringComparison.Ordinal)))
        {
            return plan.Kind is GoalKind.Wait;
        }

        // A phrase without a verb ("the cola", "the ball") names what the person gets.
        var verbless = !words.Overlaps(ActionWords);
        var verbOk = plan.Kind switch
        {
            GoalKind.Order => words.Overlaps(["order", "delivery", "takeaway", "takeout", "deliver"]),
            GoalKind.Cook => words.Overlaps(["cook", "make", "fry", "bake", "boil", "prepare"]),
            GoalKind.HeatAndServe => words.Overlaps(["heat", "warm", "hot", "microwave"]) || verbless,
            GoalKind.Serve => words.Overlaps(["give", "serve", "bring", "get", "pour", "have", "want", "like", "eat", "drink", "make"]) || verbless,
            GoalKind.Fetch => words.Overlaps(["bring", "get", "fetch", "give", "hand", "pass", "have", "want"]) || verbless,
            GoalKind.Put => words.Overlaps(["put", "store", "move", "place", "keep"]),
            GoalKind.Dispose => words.Overlaps(["throw", "dispose", "bin", "rid", "chuck"]),
            GoalKind.Clean => words.Overlaps(["clean", "wipe", "tidy", "wash"]),
            GoalKind.MakeSafe => words.Overlaps(["safe", "off", "away"]),
            _ => false,
        };
        if (!verbOk)
        {
            return false;
        }

        if (plan.Person is { } person && world.People.Any(p => words.Contains(p.Name)) && !words.Contains(person))
        {
            return false;
        }

        var named = KindsNamed(phrase, world.Ontology);
        if (plan.ItemId is null || world.FindById(plan.ItemId) is not { } item)
        {
            return plan.Kind == GoalKind.Order && OrderedKindFits(named, plan, world);
        }

        if (named.Count == 0)
        {
            return true;
        }

        // The most specific kind named decides: "diet cola" is not "cola", "root beer" is not "beer".
        return named.Any(k => item.Kind == k || item.Filling == k)
               || (!named.Any(k => world.Items.Any(i => i.Kind == k)) && named.Any(k => world.Ontology.IsA(item.Kind, k) || (item.Filling is { } f && world.Ontology.IsA(f, k))))
               || words.Contains(item.Name) || words.Contains(item.Id);
    }

    private static readonly string[] ActionWords =
    [
        "order", "delivery", "deliver", "cook", "make", "fry", "bake", "boil", "prepare", "heat", "warm", "microwave", "give", "serve",
        "bring", "get", "pour", "fetch", "hand", "pass", "put", "store", "move", "place", "keep", "throw", "dispose", "bin", "rid",
        "chuck", "clean", "wipe", "tidy", "wash", "wait",
    ];

    /// <summary>
    /// Kinds named in a phrase, longest match first from the left ("the root beer" is root beer, not beer;
    /// "baby food" is baby food), leaving out people and the catch-all "thing".
    /// </summary>
    internal static IReadOnlyList<ObjectKind> KindsNamed(string phrase, Ontology ontology)
    {
        var words = Ontology.Normalize(phrase).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim(',', '.', '?', '!', '"')).Where(w => w.Length > 0).ToList();
        var kinds = new List<ObjectKind>();
        for (var i = 0; i < words.Count;)
        {
            var found = false;
            for (var n = Math.Min(3, words.Count - i); n >= 1 && !found; n--)
            {
                // A longer phrase counts only when it names more than its tail does: "root beer" is not beer,
                // but "the cola" and "cold beer" are just cola and beer (the ontology drops such modifiers).
                var gram = string.Join(' ', words.Skip(i).Take(n));
                var kind = ontology.Find(gram);
                if (kind is not null && (n == 1 || ontology.Find(string.Join(' ', words.Skip(i + 1).Take(n - 1))) != kind)
                    && kind.Category != KindCategory.Person && kind.Name != "thing")
                {
                    kinds.Add(kind);
                    i += n;
                    found = true;
                }
            }

            if (!found)
            {
                i++;
            }
        }

        return kinds.Distinct().ToList();
    }

    private static bool OrderedKindFits(IReadOnlyList<ObjectKind> named, CandidatePlan plan, World world)
    {
        var kindWord = plan.Goal.Split(' ').Skip(1).TakeWhile(w => w != "for");
        var ordered = world.Ontology.Find(string.Join(' ', kindWord));
        return named.Count == 0 || ordered is null || named.Any(k => world.Ontology.IsA(ordered, k));
    }

    private static string Affirm(string phrase)
    {
        var p = phrase.Trim(' ', '.', '?', ';');
        if (p.StartsWith("will you ", StringComparison.Ordinal) || p.StartsWith("you ", StringComparison.Ordinal))
        {
            return "I'll do it myself.";
        }

        if (p.StartsWith("wait", StringComparison.Ordinal))
        {
            return "Please wait.";
        }

        return char.ToUpper(p[0], CultureInfo.InvariantCulture) + p[1..] + ", please.";
    }

    /// <summary>An offered plan in words for the answer: its goal-bearing actions without the walking.</summary>
    private static string Describe(string plan)
    {
        var steps = ActionParser.ParsePlan(plan).Where(a => a.Ok && a.Action!.Verb is not (Verb.Goto or Verb.Open or Verb.Take or Verb.Done))
            .Select(a => a.Action!.ToString()).ToList();
        return steps.Count == 0 ? "that" : string.Join(" and ", steps);
    }
}
