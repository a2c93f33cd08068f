using System.Globalization;
using System.Text;

namespace CoopAgent.Agent.Household;

/// <summary>
/// Parses the robot's action language: one action (<c>put the milk in the fridge</c>) or a plan of actions
/// separated by <c>;</c> or new lines. Never throws on text: whatever does not parse comes back as a
/// <see cref="ParsedAction"/> with a reason the agent can read. Object words stay words here; the simulator
/// resolves them against the world (<see cref="World.FindReachable"/>), which is where ambiguity is reported.
/// </summary>
/// <remarks>
/// Grammar (case-insensitive; articles allowed anywhere in object phrases):
/// <code>
/// goto ROOM | go to ROOM        open X | close X         take X | pick up X | grab X
/// put X in|on|into Y            give X to PERSON | serve X to PERSON | bring X to PERSON
/// cook X | heat X               pour X into|in Y         clean X | dispose X | throw away X
/// order FOOD                    turn on X | turn off X | switch on X | switch off X
/// ask "TEXT" | say "TEXT"       wait | done
/// </code>
/// </remarks>
public static class ActionParser
{
    /// <summary>The word the canonical form uses for a verb.</summary>
    public static string VerbWord(Verb verb) => verb switch
    {
        Verb.TurnOn => "turn on",
        Verb.TurnOff => "turn off",
        _ => verb.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a plan: actions separated by <c>;</c> or new lines (quoted text may contain either).</summary>
    public static IReadOnlyList<ParsedAction> ParsePlan(string? text)
    {
        var parts = SplitPlan(text ?? "");
        return parts.Count == 0 ? [new ParsedAction(null, "empty plan: no action given", "")] : parts.Select(Parse).ToList();
    }

    /// <summary>Parses exactly one action.</summary>
    public static ParsedAction Parse(string? text)
    {
        var source = (text ?? "").Trim();
        if (source.Length == 0)
        {
            return Fail("empty action");
        }

        var lower = source.ToLower(CultureInfo.InvariantCulture);
        if (StartsWithWord(lower, "ask") || StartsWithWord(lower, "say"))
        {
            var verb = lower.StartsWith("ask", StringComparison.Ordinal) ? Verb.Ask : Verb.Say;
            var quoted = Unquote(source[3..].Trim().TrimStart(':').Trim());
            return quoted.Length == 0
                ? Fail($"{VerbWord(verb)} needs text in quotes, like {VerbWord(verb)} \"...\"")
                : Ok(new HouseholdAction(verb, Text: quoted));
        }

        var words = lower.TrimEnd('.', '!').Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        var (verbWord, rest) = SplitVerb(words);
        switch (verbWord)
        {
            case "wait":
                return rest.Count == 0 || rest is ["a", "bit"] or ["a", "moment"] ? Ok(new HouseholdAction(Verb.Wait)) : Fail("wait takes no object");
            case "done":
            case "finish":
            case "stop":
                return rest.Count == 0 ? Ok(new HouseholdAction(Verb.Done)) : Fail("done takes no object");
            case "goto":
                return One(Verb.Goto, rest, "goto needs a room, like goto kitchen");
            case "open":
                return One(Verb.Open, rest, "open needs something to open");
            case "close":
                return One(Verb.Close, rest, "close needs something to close");
            case "take":
                return One(Verb.Take, rest, "take needs something to take");
            case "cook":
                return One(Verb.Cook, rest, "cook needs something to cook");
            case "heat":
                return One(Verb.Heat, rest, "heat needs something to heat");
            case "clean":
                return One(Verb.Clean, rest, "clean needs something to clean");
            case "dispose":
                return One(Verb.Dispose, rest, "dispose needs something to throw away");
            case "order":
                return One(Verb.Order, rest, "order needs a food, like order pizza");
            case "turn on":
                return One(Verb.TurnOn, rest, "turn on needs an appliance");
            case "turn off":
                return One(Verb.TurnOff, rest, "turn off needs an appliance");
            case "put":
                return Two(Verb.Put, rest, ["in", "into", "inside", "on", "onto"], "put X in Y (or on Y)");
            case "give":
                return Two(Verb.Give, rest, ["to"], "give X to PERSON");
            case "pour":
                return Two(Verb.Pour, rest, ["into", "in"], "pour X into Y");
            default:
                return Fail($"unknown action '{words.FirstOrDefault() ?? source}'; known: goto, open, close, take, put, give, cook, heat, pour, clean, dispose, order, turn on, turn off, ask, say, wait, done");
        }

        ParsedAction Ok(HouseholdAction action) => new(action, "", source);

        ParsedAction Fail(string error) => new(null, error, source);

        ParsedAction One(Verb verb, List<string> phrase, string missing)
        {
            var obj = string.Join(' ', phrase);
            return obj.Length == 0 ? Fail(missing) : Ok(new HouseholdAction(verb, obj));
        }

        ParsedAction Two(Verb verb, List<string> phrase, string[] prepositions, string shape)
        {
            // The last preposition splits object from target: "put the cup of tea on the table".
            var at = phrase.FindLastIndex(w => Array.IndexOf(prepositions, w) >= 0);
            if (at <= 0 || at == phrase.Count - 1)
            {
                return Fail($"{VerbWord(verb)} needs the form {shape}");
            }

            var preposition = phrase[at] switch
            {
                "into" or "inside" when verb == Verb.Put => "in",
                "onto" => "on",
                "in" when verb == Verb.Pour => "into",
                var p => p,
            };
            return Ok(new HouseholdAction(verb, string.Join(' ', phrase.Take(at)), string.Join(' ', phrase.Skip(at + 1)), preposition));
        }
    }

    /// <summary>
    /// Matches an action's words to the world as it is now, through the ontology ("coke" finds the cola) and
    /// the items within the robot's reach ("the mug", "red cup", "Misty"). Fails when nothing or more than one
    /// thing fits ("two things fit 'cup': red cup, blue cup"). Preconditions (hands full, container closed,
    /// person elsewhere) are not checked here: <see cref="Simulator"/> checks them when the action runs.
    /// For a plan, later steps depend on earlier ones (after <c>goto</c> other things are within reach), so
    /// resolve each step on the world that the previous steps leave.
    /// </summary>
    public static ResolvedAction Resolve(World world, HouseholdAction action)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(action);
        switch (action.Verb)
        {
            case Verb.Ask or Verb.Say or Verb.Wait or Verb.Done:
                return Resolved();
            case Verb.Goto:
                var roomName = StripArticle(action.Thing);
                return world.FindRoom(roomName) is { } room
                    ? Resolved(room: room)
                    : Failed($"there is no room called '{roomName}'; rooms: {string.Join(", ", world.Rooms.Select(r => r.Name))}");
            case Verb.Order:
                return Resolved(food: world.Ontology.Resolve(StripArticle(action.Thing)));
            default:
                break;
        }

        var thing = world.FindReachable(action.Thing);
        if (!thing.Ok)
        {
            return Failed(NotAnObject(world, action.Thing) ?? thing.Error);
        }

        switch (action.Verb)
        {
            case Verb.Put or Verb.Pour:
                var target = world.FindReachable(action.Target);
                return target.Ok ? Resolved(thing.Item, target.Item) : Failed(NotAnObject(world, action.Target) ?? target.Error);
            case Verb.Give:
                var name = StripArticle(action.Target);
                return world.FindPerson(name) is { } person ? Resolved(thing.Item, person: person) : Failed($"there is nobody called '{name}'");
            default:
                return Resolved(thing.Item);
        }

        ResolvedAction Resolved(Item? item = null, Item? targetItem = null, Person? person = null, Room? room = null, ObjectKind? food = null) =>
            new(action, item, targetItem, person, room, food, "");

        ResolvedAction Failed(string error) => new(action, null, null, null, null, null, error);
    }

    /// <summary>Parses one action and resolves it against <paramref name="world"/>.</summary>
    public static ResolvedAction ParseAndResolve(World world, string? text)
    {
        var parsed = Parse(text);
        return parsed.Ok
            ? Resolve(world, parsed.Action!)
            : new ResolvedAction(null, null, null, null, null, null, parsed.Error);
    }

    // When a phrase fails to resolve, a more helpful reason when it names a person or a room.
    private static string? NotAnObject(World world, string phrase)
    {
        if (world.FindPerson(StripArticle(phrase)) is { } person)
        {
            return $"{person.Name} is a person, not an object";
        }

        return world.FindRoom(StripArticle(phrase)) is { } room ? $"{room.Name} is a room, not an object" : null;
    }

    private static string StripArticle(string phrase)
    {
        var words = Ontology.Normalize(phrase).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.SkipWhile(w => w is "the" or "a" or "an" or "some" or "my"));
    }

    private static (string VerbWord, List<string> Words) SplitVerb(List<string> words)
    {
        if (words.Count == 0)
        {
            return ("", words);
        }

        var two = words.Count > 1 ? words[0] + " " + words[1] : "";
        return two switch
        {
            "go to" or "walk to" or "move to" => ("goto", words.Skip(2).ToList()),
            "pick up" => ("take", words.Skip(2).ToList()),
            "throw away" or "throw out" => ("dispose", words.Skip(2).ToList()),
            "turn on" or "switch on" => ("turn on", words.Skip(2).ToList()),
            "turn off" or "switch off" => ("turn off", words.Skip(2).ToList()),
            _ => words[0] switch
            {
                "go" => ("goto", words.Skip(1).ToList()),
                "grab" or "get" or "fetch" => ("take", words.Skip(1).ToList()),
                "serve" or "bring" or "hand" => ("give", words.Skip(1).ToList()),
                "place" => ("put", words.Skip(1).ToList()),
                "warm" => ("heat", words.Skip(1).ToList()),
                "wash" or "wipe" => ("clean", words.Skip(1).ToList()),
                "discard" or "bin" => ("dispose", words.Skip(1).ToList()),
                var w => (w, words.Skip(1).ToList()),
            },
        };
    }

    private static bool StartsWithWord(string text, string word) =>
        text.StartsWith(word, StringComparison.Ordinal) && (text.Length == word.Length || !char.IsLetter(text[word.Length]));

    private static string Unquote(string text)
    {
        var trimmed = text.Trim();
        var open = "\"“”'‘’";
        if (trimmed.Length >= 1 && open.Contains(trimmed[0], StringComparison.Ordinal))
        {
            trimmed = trimmed[1..];
        }

        if (trimmed.Length >= 1 && open.Contains(trimmed[^1], StringComparison.Ordinal))
        {
            trimmed = trimmed[..^1];
        }

        return trimmed.Trim();
    }

    private static List<string> SplitPlan(string text)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var inQuote = false;
        foreach (var c in text)
        {
            if (c is '"' or '“' or '”')
            {
                inQuote = !inQuote;
            }

            if (!inQuote && c is ';' or '\n')
            {
                Flush();
                continue;
            }

            current.Append(c);
        }

        Flush();
        return parts;

        void Flush()
        {
            var part = current.ToString().Trim();
            if (part.Length > 0)
            {
                parts.Add(part);
            }

            current.Clear();
        }
    }
}
