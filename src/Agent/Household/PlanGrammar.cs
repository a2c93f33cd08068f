using System.Runtime.CompilerServices;
using CoopAgent.Alignment.Generation;

namespace CoopAgent.Agent.Household;

/// <summary>
/// The robot's action language (<see cref="ActionParser"/>) narrowed to one home, for constrained decoding: plans
/// of steps joined by <c>"; "</c>, where every step names only what is there — rooms of the home, things the
/// robot sees (by id or name) or, once the plan has opened something or walked into a room not seen, a known kind
/// of thing it might find there; closable things to open, appliances to switch, people who live there; give and
/// put only what the plan took — plus <c>say "…"</c> with free text, <c>wait</c>, <c>done</c>, and questions that
/// offer what is there: "Would you like the tea or the coffee?", "Should nana have the grapes or the banana?",
/// "Shall I heat soup for priya, or order pizza for priya?" with the home's own things, people and goals. The
/// policy still chooses every step and every word; the grammar only removes what would name something absent (a
/// person called "jo" in a home without one, a latte nobody has).
/// </summary>
/// <remarks>
/// An automaton over characters: each step form is a sequence of parts (literal words, or a slot holding any of
/// a set of names), each part a trie; the state is the set of places a prefix can be in (names like "cup" and
/// "cup of tea" leave more than one), determinised lazily and kept. Safe to share between threads (one lock).
/// </remarks>
public sealed class PlanGrammar : ITextGrammar
{
    private const int FreeNode = -1;
    private const int CacheLimit = 512;

    /// <summary>Marks a take form: the regime after it depends on the name taken.</summary>
    private const int TookIt = -1;

    private static readonly ConditionalWeakTable<Ontology, Trie> KindTries = new();
    private static readonly Trie Prepositions = Trie.Of(" in ", " on ");
    private static readonly Trie Delivered = Trie.Of(Enumerable.Range(1, 3).Select(n => $"delivery-{n}"));
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, PlanGrammar> Cache = new(StringComparer.Ordinal);

    private readonly Lock _lock = new();
    private readonly List<Form> _forms = [];
    private readonly List<(bool Found, string? Held)> _regimes = [];
    private readonly Dictionary<(bool, string?), int> _regimeIds = [];
    private readonly Dictionary<int, List<int>> _formsOf = [];
    private readonly Dictionary<string, List<string>> _sameThing = new(StringComparer.Ordinal);
    private readonly List<long[]> _states = [];
    private readonly Dictionary<long[], int> _ids = new(PlacesComparer.Instance);
    private readonly Dictionary<(int State, char Character), int> _next = [];

    // The names of the home, per slot (set once when the grammar is built).
    private Trie _seen = Trie.Of();
    private Trie _anything = Trie.Of();
    private Trie _kinds = Trie.Of();
    private Trie _closable = Trie.Of();
    private Trie _appliances = Trie.Of();
    private Trie _rooms = Trie.Of();
    private Trie _unseenRooms = Trie.Of();
    private Trie _persons = Trie.Of();
    private Trie? _menu;
    private Trie _goals = Trie.Of();
    private Trie _offered = Trie.Of();
    private bool _questions;
    private List<string> _heldAtStart = [];

    private PlanGrammar()
    {
    }

    public int Start { get; private set; }

    /// <summary>The grammar of plans in the home <paramref name="view"/> shows (what the robot sees and knows).</summary>
    /// <param name="view">The robot's view of the home.</param>
    /// <param name="people">Further people a plan may name (the person giving the instruction, when not in view).</param>
    /// <param name="questions">Whether a plan may ask (false: only what the robot would do without asking).</param>
    /// <remarks>Grammars are kept by what they allow (bounded), so the next decision in the same home — another turn,
    /// another conversation on the same built-in home — reuses the automaton and the token masks built for it.</remarks>
    public static PlanGrammar For(World view, IEnumerable<string>? people = null, bool questions = true)
    {
        ArgumentNullException.ThrowIfNull(view);
        var visible = view.Visible().ToList();
        var others = (people ?? []).Select(Ontology.Normalize).Where(n => n.Length > 0).ToList();
        var key = string.Join('|',
            string.Join(',', visible.Select(i => $"{i.Id}/{i.Name}/{(i.Kind.Has(Traits.Fixed) ? 1 : 0)}{(i.CanClose && !i.IsOpen ? 1 : 0)}{(i.CanClose ? 1 : 0)}{(i.Kind.Has(Traits.Appliance) ? 1 : 0)}{(i.Location.Type == PlaceType.Robot ? 1 : 0)}")),
            string.Join(',', view.Rooms.Select(r => $"{r.Name}/{(r.Observed ? 1 : 0)}")),
            string.Join(',', view.People.Select(p => p.Name).Concat(others)),
            view.Delivery.Available ? string.Join(',', view.Delivery.Menu) : "-",
            RuntimeHelpers.GetHashCode(view.Ontology),
            questions);
        if (Cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }

        return Cache.GetOrAdd(key, _ => Build(view, visible, others, questions));
    }

    private static PlanGrammar Build(World view, List<Item> visible, List<string> people, bool questions)
    {
        var kinds = KindTries.GetValue(view.Ontology, KindsTrie);
        var grammar = new PlanGrammar
        {
            _questions = questions,
            // What can be carried, by the simulator's rule: anything not fixed (a pet too: the harm gate, not the
            // grammar, is what stops a plan that should not be carried out).
            _seen = Trie.Of(visible.Where(i => !i.Kind.Has(Traits.Fixed)).SelectMany(Names)),
            _anything = Trie.Of(visible.SelectMany(Names)),
            _kinds = kinds,
            _closable = Trie.Of(visible.Where(i => i.CanClose).SelectMany(Names)),
            _appliances = Trie.Of(visible.Where(i => i.Kind.Has(Traits.Appliance)).SelectMany(Names)),
            _rooms = Trie.Of(view.Rooms.Where(r => r.Observed || r.Name == view.RobotRoom).Select(r => r.Name)),
            _unseenRooms = Trie.Of(view.Rooms.Where(r => !r.Observed && r.Name != view.RobotRoom).Select(r => r.Name)),
            _persons = Trie.Of(view.People.Select(p => Ontology.Normalize(p.Name)).Concat(people)),
            _menu = !view.Delivery.Available ? null
                : view.Delivery.Menu.Count == 0 ? kinds : Trie.Of(view.Delivery.Menu.SelectMany(k => new[] { k, k.Replace(' ', '-') })),
            _heldAtStart = visible.Where(i => i.Location.Type == PlaceType.Robot).SelectMany(Names).ToList(),
            _goals = Trie.Of(Goals(view, visible, people)),
            _offered = Trie.Of(visible.Where(Offerable).SelectMany(Names)),
        };
        foreach (var item in visible)
        {
            foreach (var name in Names(item))
            {
                grammar._sameThing[name] = Names(item).ToList();
            }
        }

        grammar.Start = grammar.Intern(grammar.Closure(grammar.StepStarts(grammar.RegimeOf(found: false, held: null))));
        return grammar;
    }

    /// <summary>
    /// The step forms of one regime, built when a plan first reaches it. A regime is what the plan has done so far
    /// that changes what it may name: whether it opened or ordered something or walked into a room the robot has not
    /// seen (then unseen kinds and deliveries may be named), and what it took last (only that, or what the robot held from the start, can be given or put: the
    /// simulator's rule that you must hold what you hand over).
    /// </summary>
    private void BuildForms(int regime)
    {
        var (found, held) = _regimes[regime];
        Trie[] things = found ? [_seen, _kinds, Delivered] : [_seen];
        var hands = Trie.Of(_heldAtStart.Concat(held is null ? [] : _sameThing.GetValueOrDefault(held) ?? Spellings(held)));
        var opened = RegimeOf(found: true, held);
        var emptyHanded = RegimeOf(found, held: null);
        Add(regime, regime, "goto ", _rooms);
        Add(regime, opened, "goto ", _unseenRooms);
        Add(regime, opened, "open ", _closable);
        Add(regime, regime, "close ", _closable);
        Add(regime, TookIt, "take ", things);
        foreach (var verb in new[] { "cook ", "heat ", "dispose " })
        {
            Add(regime, regime, verb, things);
        }

        Add(regime, regime, "clean ", [_anything, .. things.Skip(1)]);
        Add(regime, regime, "turn on ", _appliances);
        Add(regime, regime, "turn off ", _appliances);
        if (_menu is not null)
        {
            Add(regime, opened, "order ", _menu);
        }

        Add(regime, emptyHanded, new Part([Trie.Of("put ")]), new Part([hands]), new Part([Prepositions]), new Part([_anything]));
        Add(regime, emptyHanded, new Part([Trie.Of("give ")]), new Part([hands]), new Part([Trie.Of(" to ")]), new Part([_persons]));
        Add(regime, regime, new Part([Trie.Of("pour ")]), new Part(things), new Part([Trie.Of(" into ")]), new Part([_anything]));
        Add(regime, regime, new Part([Trie.Of("wait", "done")]));
        Add(regime, regime, new Part([Trie.Of("say \"")]), Part.FreeText);
        if (_questions)
        {
            AddQuestions(regime);
        }
    }

    /// <summary>
    /// The questions a plan may ask: two or three options, each something in view or a goal in this home, in the
    /// forms the policy was taught. A question is only worth asking when its options are things the robot can do;
    /// free text let the policy offer "the latte or the kombucha" in a kitchen with neither.
    /// </summary>
    private void AddQuestions(int regime)
    {
        var thing = new Part([_offered]);
        var goal = new Part([_goals]);
        Part Words(string text) => new([Trie.Of(text)]);
        (Part[] Opening, Part Option, Part Between, Part Closing)[] forms =
        [
            ([Words("ask \"Would you like the ")], thing, Words(" or the "), Words("?\"")),
            ([Words("ask \"Should "), new Part([_persons]), Words(" have the ")], thing, Words(" or the "), Words("?\"")),
            ([Words("ask \"Shall I ")], goal, Words(", or "), Words("?\"")),
        ];
        foreach (var (opening, option, between, closing) in forms)
        {
            for (var options = 2; options <= 3; options++)
            {
                var parts = new List<Part>(opening) { option };
                for (var i = 1; i < options; i++)
                {
                    parts.AddRange([between, option]);
                }

                Add(regime, regime, [.. parts, closing]);
            }
        }

        // What was asked cannot be done: one substitute, as a yes/no.
        Add(regime, regime, Words("ask \"I can't do exactly that. Shall I "), goal, Words(" instead?\""));
    }

    /// <summary>
    /// What the robot could do in this home, in the words of a question's options: serve, bring, heat or cook a
    /// thing in view for a person; order from the menu; put a thing in a container; throw away or clean a thing;
    /// turn an appliance off; make the home safe; wait; do nothing; say it cannot be done.
    /// </summary>
    private static IEnumerable<string> Goals(World view, List<Item> visible, List<string> people)
    {
        var persons = view.People.Select(p => Ontology.Normalize(p.Name)).Concat(people).Distinct(StringComparer.Ordinal).ToList();
        var things = visible.Where(Offerable).Select(i => Ontology.Normalize(i.Name)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var thing in things)
        {
            foreach (var person in persons)
            {
                yield return $"serve {thing} to {person}";
                yield return $"bring {thing} to {person}";
                yield return $"heat {thing} for {person}";
                yield return $"cook {thing} for {person}";
            }

            foreach (var container in visible.Where(i => i.IsContainer))
            {
                yield return $"put {thing} in {Ontology.Normalize(container.Name)}";
            }

            yield return $"throw away {thing}";
            yield return $"clean {thing}";
        }

        if (view.Delivery.Available)
        {
            // An open menu offers the dishes the policy learned to offer.
            foreach (var kind in view.Delivery.Menu.Count > 0 ? view.Delivery.Menu : Planning.PlanEnumerator.DefaultOrderKinds)
            {
                foreach (var person in persons)
                {
                    yield return $"order {kind} for {person}";
                }
            }
        }

        foreach (var appliance in visible.Where(i => i.Kind.Has(Traits.Appliance)))
        {
            yield return $"turn off {Ontology.Normalize(appliance.Name)}";
        }

        yield return "make the home safe";
        yield return "wait";
        yield return "do nothing";
        yield return "say it cannot be done";
    }

    /// <summary>What a question may offer someone: a thing that can be carried and is no animal (a plan may still
    /// name the cat; offering it as a snack is no question worth asking).</summary>
    private static bool Offerable(Item item) => !item.Kind.Has(Traits.Fixed) && !item.Kind.Has(Traits.Pet);

    /// <summary>A thing unseen when the plan was written, by either spelling: "iced coffee" and "iced-coffee".</summary>
    private static IEnumerable<string> Spellings(string name) => [name, name.Replace(' ', '-'), name.Replace('-', ' ')];

    private int RegimeOf(bool found, string? held)
    {
        var key = (found, held);
        if (!_regimeIds.TryGetValue(key, out var id))
        {
            id = _regimes.Count;
            _regimes.Add(key);
            _regimeIds[key] = id;
        }

        return id;
    }

    public int Next(int state, char character)
    {
        lock (_lock)
        {
            if (_next.TryGetValue((state, character), out var known))
            {
                return known;
            }

            var moved = new HashSet<long>();
            foreach (var place in _states[state])
            {
                Step(place, character, moved);
            }

            var next = moved.Count == 0 ? -1 : Intern(Closure(moved));
            _next[(state, character)] = next;
            return next;
        }
    }

    public IReadOnlyCollection<char>? NextCharacters(int state)
    {
        lock (_lock)
        {
            var characters = new HashSet<char>();
            foreach (var place in _states[state])
            {
                if (place < 0)
                {
                    characters.Add(place % 2 != 0 ? ';' : ' ');
                    continue;
                }

                var (form, part, trie, node) = Unpack(place);
                if (node == FreeNode)
                {
                    return null;
                }

                foreach (var character in _forms[form].Parts[part].Tries[trie].Characters(node))
                {
                    characters.Add(character);
                }
            }

            return characters;
        }
    }

    public bool CanEnd(int state)
    {
        lock (_lock)
        {
            return _states[state].Any(p => p < 0 && p % 2 != 0);
        }
    }

    /// <summary>Whether the whole of <paramref name="text"/> is a plan this grammar allows.</summary>
    public bool Accepts(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var state = Start;
        foreach (var character in text)
        {
            state = Next(state, character);
            if (state < 0)
            {
                return false;
            }
        }

        return CanEnd(state);
    }

    /// <summary>The names a plan may use for an item: its id and its name, as the parser reads them.</summary>
    private static IEnumerable<string> Names(Item item) => [item.Id, Ontology.Normalize(item.Name)];

    /// <summary>Kinds that could be lying unseen in a closed cupboard or be ordered: not furniture, fixtures,
    /// appliances, people or pets. Both spellings the policy writes: "iced coffee" and "iced-coffee".</summary>
    private static Trie KindsTrie(Ontology ontology) => Trie.Of(ontology.Kinds
        .Where(k => !k.Has(Traits.Fixed) && !k.Has(Traits.Person) && !k.Has(Traits.Pet) && !k.Has(Traits.Appliance)
                    && k.Category is not (KindCategory.Furniture or KindCategory.Appliance))
        .SelectMany(k => new[] { k.Name, k.Name.Replace(' ', '-') }));

    private void Add(int regime, int after, string verb, params Trie[] names) => Add(regime, after, new Part([Trie.Of(verb)]), new Part(names));

    private void Add(int regime, int after, params Part[] parts)
    {
        // A slot with no names (no closable thing in view, nothing in hand) makes the form impossible; leave it out.
        if (parts.All(p => p.IsFree || p.Tries.Any(t => !t.IsEmpty)))
        {
            _formsOf[regime].Add(_forms.Count);
            _forms.Add(new Form(regime, after, parts));
        }
    }

    // Between steps: the end of a step, and the separator after it, in each regime (negative, never a place).
    private static long StepEnd(int regime) => -1 - (2 * regime);

    private static long Separator(int regime) => -2 - (2 * regime);

    // A place is packed in a long: form (16 bits), part (8), trie within the part (8), node (32; −1 in free text).
    private static long Place(int form, int part, int trie, int node) => ((long)form << 48) | ((long)part << 40) | ((long)trie << 32) | (uint)node;

    private static (int Form, int Part, int Trie, int Node) Unpack(long place) =>
        ((int)(place >> 48), (int)((place >> 40) & 0xFF), (int)((place >> 32) & 0xFF), (int)(place & 0xFFFFFFFF));

    private List<long> StepStarts(int regime)
    {
        if (!_formsOf.TryGetValue(regime, out var forms))
        {
            _formsOf[regime] = forms = [];
            BuildForms(regime);
        }

        return forms.SelectMany(f => Entries(f, 0)).ToList();
    }

    private IEnumerable<long> Entries(int form, int part) => _forms[form].Parts[part].IsFree
        ? [Place(form, part, 0, FreeNode)]
        : _forms[form].Parts[part].Tries.Select((t, i) => (t, i)).Where(x => !x.t.IsEmpty).Select(x => Place(form, part, x.i, 0));

    private void Step(long place, char character, HashSet<long> moved)
    {
        if (place < 0)
        {
            // Between steps: "; " then the next step, in the regime the last step left.
            var regime = (int)((-place - 1) / 2);
            var atEnd = place == StepEnd(regime);
            if (atEnd && character == ';')
            {
                moved.Add(Separator(regime));
            }
            else if (!atEnd && character == ' ')
            {
                moved.UnionWith(StepStarts(regime));
            }

            return;
        }

        var (form, part, trie, node) = Unpack(place);
        if (node == FreeNode)
        {
            moved.Add(character == '"' ? StepEnd(_forms[form].Regime) : place);
            return;
        }

        if (_forms[form].Parts[part].Tries[trie].Next(node, character) is var child and >= 0)
        {
            moved.Add(Place(form, part, trie, child));
        }
    }

    /// <summary>Adds, for every place at the end of a name, the start of the form's next part (or the end of the step).</summary>
    private long[] Closure(IEnumerable<long> places)
    {
        var set = new HashSet<long>(places);
        var work = new Stack<long>(set);
        while (work.Count > 0)
        {
            var place = work.Pop();
            if (place < 0)
            {
                continue;
            }

            var (form, part, trie, node) = Unpack(place);
            if (node == FreeNode || !_forms[form].Parts[part].Tries[trie].IsEnd(node))
            {
                continue;
            }

            var following = part + 1 < _forms[form].Parts.Count ? Entries(form, part + 1) : [StepEnd(After(_forms[form], trie, node))];
            foreach (var next in following)
            {
                if (set.Add(next))
                {
                    work.Push(next);
                }
            }
        }

        var sorted = set.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>The regime a step leaves the plan in; after <c>take X</c>, holding X (the name as written).</summary>
    private int After(Form form, int trie, int node) =>
        form.After != TookIt ? form.After : RegimeOf(_regimes[form.Regime].Found, form.Parts[^1].Tries[trie].Word(node));

    private int Intern(long[] places)
    {
        if (!_ids.TryGetValue(places, out var id))
        {
            id = _states.Count;
            _states.Add(places);
            _ids[places] = id;
        }

        return id;
    }

    /// <summary>States (sorted sets of places) compared by their places.</summary>
    private sealed class PlacesComparer : IEqualityComparer<long[]>
    {
        public static readonly PlacesComparer Instance = new();

        public bool Equals(long[]? x, long[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(long[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(obj.AsSpan()));
            return hash.ToHashCode();
        }
    }

    /// <summary>One form of step: allowed in <paramref name="Regime"/>, leaving the plan in <paramref name="After"/>.</summary>
    private sealed record Form(int Regime, int After, IReadOnlyList<Part> Parts);

    /// <summary>One part of a step form: literal words or a slot of names (the union of its tries), or free text up to a closing quote.</summary>
    private sealed record Part(IReadOnlyList<Trie> Tries, bool IsFree = false)
    {
        public static Part FreeText { get; } = new([], true);
    }

    /// <summary>A character trie of names, in flat arrays: node n's edges are entries
    /// [<c>_firstEdge[n]</c>, <c>_firstEdge[n + 1]</c>) of <c>_edgeCharacters</c> / <c>_edgeTargets</c>, in character
    /// order. (A dictionary per node made a busy server's grammars a million dictionaries: every home is a new grammar, and
    /// the garbage collector copied them all.)</summary>
    private sealed class Trie
    {
        private readonly int[] _firstEdge;
        private readonly char[] _edgeCharacters;
        private readonly int[] _edgeTargets;
        private readonly string?[] _words;

        private Trie(int[] firstEdge, char[] edgeCharacters, int[] edgeTargets, string?[] words)
        {
            _firstEdge = firstEdge;
            _edgeCharacters = edgeCharacters;
            _edgeTargets = edgeTargets;
            _words = words;
        }

        public bool IsEmpty => _edgeTargets.Length == 0;

        public static Trie Of(params IEnumerable<string> names)
        {
            // In ordinal order, each name shares a path with the one before it as far as their common beginning; the
            // nodes below that are new, and each node's edges come out in character order.
            var sorted = names.Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var parents = new List<int> { -1 };
            var characters = new List<char> { '\0' };
            var words = new List<string?> { null };
            var path = new List<int> { 0 }; // the nodes of the previous name, root first
            var previous = "";
            foreach (var name in sorted)
            {
                var shared = name.AsSpan().CommonPrefixLength(previous);
                path.RemoveRange(shared + 1, path.Count - shared - 1);
                for (var i = shared; i < name.Length; i++)
                {
                    parents.Add(path[^1]);
                    characters.Add(name[i]);
                    words.Add(null);
                    path.Add(parents.Count - 1);
                }

                words[path[^1]] = name;
                previous = name;
            }

            // Edges grouped by parent (counting sort); nodes were made in order, so each group stays in character order.
            var nodes = parents.Count;
            var firstEdge = new int[nodes + 1];
            for (var node = 1; node < nodes; node++)
            {
                firstEdge[parents[node] + 1]++;
            }

            for (var node = 0; node < nodes; node++)
            {
                firstEdge[node + 1] += firstEdge[node];
            }

            var edgeCharacters = new char[nodes - 1];
            var edgeTargets = new int[nodes - 1];
            var filled = firstEdge[..nodes];
            for (var node = 1; node < nodes; node++)
            {
                var at = filled[parents[node]]++;
                (edgeCharacters[at], edgeTargets[at]) = (characters[node], node);
            }

            return new Trie(firstEdge, edgeCharacters, edgeTargets, [.. words]);
        }

        public ReadOnlySpan<char> Characters(int node) => _edgeCharacters.AsSpan(_firstEdge[node], _firstEdge[node + 1] - _firstEdge[node]);

        public int Next(int node, char character)
        {
            var at = Characters(node).BinarySearch(character);
            return at >= 0 ? _edgeTargets[_firstEdge[node] + at] : -1;
        }

        public bool IsEnd(int node) => _words[node] is not null;

        /// <summary>The name that ends at <paramref name="node"/>.</summary>
        public string Word(int node) => _words[node] ?? throw new InvalidOperationException("no name ends here");
    }
}
