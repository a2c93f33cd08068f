using System.Globalization;
using System.Text.RegularExpressions;
using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Loop;

/// <summary>Who the words of a reply are about: <see cref="Speaker"/> is "me"; <see cref="For"/> is whom the task is
/// for (what is ordered is handed to them); <see cref="About"/> is "him", "her", "them" (that person, when it is not
/// the speaker); <see cref="Named"/> is "one" ("order one": the kind the instruction named).</summary>
internal sealed record RequestContext(string? Speaker, string? For, string? Named)
{
    public string? About => For != Speaker ? For : null;
}

/// <summary>
/// Reads what a person says back as a plan of robot actions, when it is one: "Please turn off the stove.",
/// "Order a pizza then.", "Give him his ball instead.", "Order one, I need it.". Courtesy and particles are dropped,
/// "me" and "him" become the people they stand for, and a request is read with the steps it presupposes (walk to the
/// thing, take it, walk to whom it is for, open what it goes in; take in what was ordered and hand it over): the
/// person said what, not how. Anything that does not parse, only talks, or (given what the robot sees) does not run
/// is not a plan (null); the agent then reads the words as evidence instead.
/// </summary>
internal static partial class RequestReader
{
    private static readonly string[] LeadingWords = ["please", "could you", "can you", "would you", "just", "yes", "no", "ok", "okay", "oh", "well", "then", "sure", "alright", "actually"];
    private static readonly string[] TrailingWords = ["please", "then", "instead", "now", "thanks", "thank you", "for now", "anyway", "too"];

    /// <summary>The plan the words ask for, completed as the robot would run it; null when they are not one.</summary>
    public static (string Text, IReadOnlyList<HouseholdAction> Actions)? Read(string words, World? view, RequestContext? context = null)
    {
        context ??= new RequestContext(null, null, null);
        var text = Lowered(words);

        // The whole reply, else its first clause ("Order a pizza, I'll pay." → "order a pizza"); the same for what
        // follows a first sentence that is not a request ("I have to run. Finish the soup and …").
        var sentences = text.Split(". ", StringSplitOptions.RemoveEmptyEntries);
        return Enumerable.Range(0, sentences.Length)
            .Select(k => string.Join(". ", sentences[k..]))
            .SelectMany(said => new[] { said, said.Split([',', ';'], 2)[0] })
            .Distinct(StringComparer.Ordinal)
            .Select(said => Plan(said, view, context))
            .FirstOrDefault(plan => plan is not null);
    }

    /// <summary>
    /// An answer that only names a thing ("The fruit bowl.", "The wine glass; I'm still drinking my water.") completes
    /// the instruction: it takes the place of the instruction's phrase with the same last word ("Put the apples in the
    /// bowl." → "put the apples in the fruit bowl"). Null when the answer is more than a name, adds no word, or the
    /// instruction has no such phrase.
    /// </summary>
    public static string? Completed(string instruction, string answer)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        var phrase = Trim(Lowered(answer).Split([',', ';'], 2)[0]);
        phrase = Determiner().Replace(phrase, "");
        var words = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length is < 2 or > 4 || words.Any(w => !w.All(c => char.IsLetter(c) || c is '-' or '\'')))
        {
            return null;
        }

        var head = Regex.Escape(words[^1]);
        var text = instruction.Trim().ToLower(CultureInfo.InvariantCulture);
        var completed = Regex.Replace(text, $@"\b(?:the|a|an|my|his|her|our|their|some)\s+(?:[a-z\-]+\s+)?{head}\b", $"the {phrase}", RegexOptions.None, TimeSpan.FromSeconds(1));
        return completed == text ? null : completed;
    }

    /// <summary>The words in lower case without their closing punctuation.</summary>
    private static string Lowered(string? words) => (words ?? "").Trim().TrimEnd('.', '!', '?').ToLower(CultureInfo.InvariantCulture);

    private static (string Text, IReadOnlyList<HouseholdAction> Actions)? Plan(string text, World? view, RequestContext context)
    {
        // "warm up the soup and bring it to me": each part on its own, "it" the thing the part before named.
        var parts = new List<string>();
        string? orderedFor = null;
        string? lastThing = null;
        foreach (var said in Parts().Split(Trim(text)))
        {
            var part = Pronouns(Synonyms(Trim(said)), context, view);
            if (lastThing is not null)
            {
                // "give grandpa a bowl": a serving of the thing before, unless a bowl is in view.
                part = It().Replace(part, lastThing);
                part = Serving().Replace(part, m => view?.VisibleFits(m.Value).Count > 0 ? m.Value : lastThing);
            }

            if (context.Named is { } named)
            {
                part = OrderOne().Replace(part, named);
            }

            part = ForSomeone().Replace(part, m =>
                $"{(m.Groups[1].Value is "heat" or "warm" || (m.Groups[1].Value == "make" && IsDrink(view, m.Groups[2].Value)) ? "heat" : "cook")} {m.Groups[2].Value}; give {m.Groups[2].Value} to {m.Groups[3].Value}");
            if (OrderFor().Match(part) is { Success: true } order)
            {
                orderedFor = order.Groups[1].Value;
                part = part[..^(" for ".Length + orderedFor.Length)];
            }

            // "bring it to the conservatory": where, not to whom.
            part = ToRoom().Replace(part, m => view?.FindRoom(m.Groups[3].Value) is null ? m.Value
                : m.Groups[2].Value == lastThing ? $"goto {m.Groups[3].Value}" : $"take {m.Groups[2].Value}; goto {m.Groups[3].Value}");
            parts.Add(part);
            lastThing = ActionParser.ParsePlan(part).Where(p => p.Ok && p.Action!.Thing.Length > 0).Select(p => p.Action!.Thing).LastOrDefault() ?? lastThing;
        }

        // "Bake the frozen one.", "Warm up the soup." said of a task for someone: cooked or heated for them.
        if (parts.Count == 1 && context.For is { } servedTo && CookedAlone().IsMatch(parts[0]))
        {
            parts[0] = CookedAlone().Replace(parts[0], $"$1 $2; give $2 to {servedTo}");
        }

        text = string.Join("; ", parts);
        var parsed = ActionParser.ParsePlan(text);
        if (text.Length == 0 || parsed.Any(p => !p.Ok) || parsed.Any(p => p.Action!.Verb is Verb.Ask or Verb.Say || Indefinite().IsMatch(p.Action.Thing)
            || (Category().Match(p.Action.Thing) is { Success: true } category && view?.Ontology.Find(category.Groups[1].Value) is null)))
        {
            return null;
        }

        var requested = parsed.Select(p => view is null ? p.Action! : FirstFit(view, p.Action!)).ToList();
        var actions = view is null ? requested : PlanCompletion.Complete(view, WithPresupposedSteps(view, requested, orderedFor ?? context.For));
        if (actions[^1].Verb != Verb.Done)
        {
            actions.Add(new HouseholdAction(Verb.Done));
        }

        // Words that parse but name nothing here ("order him something, a pizza is fine") are not a plan.
        var trial = view?.Clone();
        if (trial is not null && actions.Any(a => !Simulator.Execute(trial, a).Ok))
        {
            return null;
        }

        actions = WithoutStayingPut(view, actions);
        return (string.Join("; ", actions), actions);
    }

    /// <summary>Words that fit several things in view ("the glass": a wine glass and a water glass) read as the first
    /// of them; the agent reads the plan with each of the others too, and the belief, or a question, chooses.</summary>
    private static HouseholdAction FirstFit(World view, HouseholdAction action)
    {
        string Named(string words) => words.Length > 0 && view.VisibleFits(words) is { Count: > 1 } fits ? fits[0].Id : words;
        return action.Verb is Verb.Order or Verb.Goto or Verb.Give ? action with { Thing = action.Verb == Verb.Give ? Named(action.Thing) : action.Thing }
            : action with { Thing = Named(action.Thing), Target = Named(action.Target) };
    }

    /// <summary>The plan without walks to the room the robot is already in ("bring it to the conservatory" after
    /// giving it to the grandfather there).</summary>
    private static List<HouseholdAction> WithoutStayingPut(World? view, List<HouseholdAction> actions)
    {
        if (view is null)
        {
            return actions;
        }

        var scratch = view.Clone();
        return actions.Where(a =>
        {
            var stays = a.Verb == Verb.Goto && scratch.FindRoom(Ontology.Normalize(a.Thing))?.Name == scratch.RobotRoom;
            Simulator.Execute(scratch, a);
            return !stays;
        }).ToList();
    }

    private static bool IsDrink(World? view, string thing) =>
        view?.FindVisible(thing).Item is { } item && (item.Filling ?? item.Kind).Category == KindCategory.Drink;

    /// <summary>Courtesy before, particles after: "no. please just order a pizza then" → "order a pizza".</summary>
    private static string Trim(string text)
    {
        for (var stripped = true; stripped;)
        {
            stripped = false;
            foreach (var word in LeadingWords)
            {
                if (text.StartsWith(word, StringComparison.Ordinal) && (text.Length == word.Length || text[word.Length] is ' ' or ',' or '.' or '!'))
                {
                    text = text[word.Length..].TrimStart(',', '.', '!', ' ');
                    stripped = true;
                }
            }

            foreach (var word in TrailingWords)
            {
                if (text.EndsWith(" " + word, StringComparison.Ordinal))
                {
                    text = text[..^(word.Length + 1)].TrimEnd(',', ' ');
                    stripped = true;
                }
            }
        }

        return text;
    }

    /// <summary>Everyday verbs as the robot's: "heat up", "warm" and "finish" (the cooking) are heat, "bake" is cook, "hand" and "pass" give,
    /// "switch the oven off" is turn off oven, "put the milk back in" is put it in.</summary>
    private static string Synonyms(string text)
    {
        text = LeadingVerb().Replace(text, m => m.Groups[1].Value switch
        {
            "heat up" or "warm up" or "warm" or "finish" => "heat",
            "bake" or "fry" or "boil" or "roast" => "cook",
            _ => "give",
        } + " ");
        text = SwitchedOff().Replace(text, m => $"turn {m.Groups[2].Value} {m.Groups[1].Value}");
        text = GetRidOf().Replace(text, "dispose ");
        text = ClearOff().Replace(text, "take $1");
        return text.Replace(" back in ", " in ", StringComparison.Ordinal).Replace(" back on ", " on ", StringComparison.Ordinal);
    }

    /// <summary>"give him X" → "give X to oscar", "cook me X" → "cook X for sam", "to her" → "to lily", possessives
    /// dropped ("his ball" → "ball"). A pronoun with nobody to stand for leaves the words unread.</summary>
    private static string Pronouns(string text, RequestContext context, World? view)
    {
        string Person(string pronoun) => (pronoun is "me" or "us" ? context.Speaker : context.About) ?? pronoun;
        text = GiveSomeone().Replace(text, m => m.Groups[1].Value is "me" or "us" or "him" or "her" or "them"
            ? $"give {m.Groups[2].Value} to {Person(m.Groups[1].Value)}"
            : view?.FindPerson(m.Groups[1].Value) is not null ? $"give {m.Groups[2].Value} to {m.Groups[1].Value}" : m.Value);
        text = Fetch().Replace(text, m => m.Groups[1].Value.Contains(" to ", StringComparison.Ordinal) || context.Speaker is null
            ? m.Value : $"give {FromSomewhere().Replace(m.Groups[1].Value, "")} to {context.Speaker}");
        text = DoForSomeone().Replace(text, m => $"{m.Groups[1].Value} {m.Groups[3].Value} for {Person(m.Groups[2].Value)}");
        text = ToSomeone().Replace(text, m => $"{m.Groups[1].Value} {Person(m.Groups[2].Value)}");
        text = Possessive().Replace(text, "");

        // "give some milk for cereal to ada": what it is for is not part of the thing's name.
        return GivenFor().Replace(text, "give $1 to $2");
    }

    private static List<HouseholdAction> WithPresupposedSteps(World view, IEnumerable<HouseholdAction> requested, string? orderedFor)
    {
        var room = view.RobotRoom;
        var held = view.Held.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var scratch = view.Clone();
        var actions = new List<HouseholdAction>();
        void GoTo(string? to)
        {
            if (to is not null && !string.Equals(to, room, StringComparison.Ordinal))
            {
                actions.Add(new HouseholdAction(Verb.Goto, to));
                room = to;
            }
        }

        foreach (var action in requested)
        {
            var thing = view.FindVisible(action.Thing).Item;
            if (action.Verb == Verb.Take && thing is not null)
            {
                held.Add(thing.Id);
            }
            else if (action.Verb == Verb.Goto)
            {
                room = Ontology.Normalize(action.Thing);
            }
            else if (action.Verb is Verb.Heat or Verb.Cook && thing is not null && !held.Contains(thing.Id))
            {
                // Heated or cooked to be served: in hand first (the walk to the heat is the plan's completion).
                GoTo(view.RoomOf(thing));
                actions.Add(new HouseholdAction(Verb.Take, action.Thing));
                held.Add(thing.Id);
            }

            if (action.Verb is Verb.Put or Verb.Give && thing is not null && !held.Contains(thing.Id))
            {
                GoTo(view.RoomOf(thing));
                actions.Add(new HouseholdAction(Verb.Take, action.Thing));
                held.Add(thing.Id);
                GoTo(action.Verb == Verb.Put
                    ? view.FindVisible(action.Target).Item is { } place ? view.RoomOf(place) : null
                    : view.FindPerson(action.Target)?.Room);
            }

            if (action.Verb == Verb.Put && view.FindVisible(action.Target).Item is { CanClose: true, IsOpen: false } closed)
            {
                GoTo(view.RoomOf(closed));
                actions.Add(new HouseholdAction(Verb.Open, action.Target));
            }

            actions.Add(action);
            if (action.Verb == Verb.Order && orderedFor is not null && view.FindPerson(orderedFor) is { } person
                && Arrival(scratch, action) is { } delivery)
            {
                // Ordered for someone: taken in when it comes, and handed over (the walk is the plan's completion).
                actions.Add(new HouseholdAction(Verb.Take, delivery));
                actions.Add(new HouseholdAction(Verb.Give, delivery, person.Name, "to"));
            }
        }

        return actions;
    }

    /// <summary>The id of what <paramref name="order"/> brings, ordered on <paramref name="scratch"/>; null when it cannot be ordered.</summary>
    private static string? Arrival(World scratch, HouseholdAction order)
    {
        var before = scratch.Items.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        return Simulator.Execute(scratch, order).Ok ? scratch.Items.Select(i => i.Id).FirstOrDefault(id => !before.Contains(id)) : null;
    }

    /// <summary>Where a request has more than one step: "X and Y", "X, then Y".</summary>
    [GeneratedRegex(@"\s*(?:,?\s+and then\s+|,?\s+then\s+|\s+and\s+)\s*")]
    private static partial Regex Parts();

    [GeneratedRegex(@"\b(?:it|them)\b")]
    private static partial Regex It();

    /// <summary>"a bowl", "a cup of it": a serving of what was named before.</summary>
    [GeneratedRegex(@"\b(?:a|one)\s+(?:bowl|cup|glass|plate|slice|piece|mug|portion|serving)(?:\s+of\s+it)?\b")]
    private static partial Regex Serving();

    /// <summary>"bring X to the ROOM", "take X into the ROOM".</summary>
    [GeneratedRegex(@"^(bring|take|carry)\s+(.+?)\s+(?:to|into)\s+(?:the\s+)?([a-z][a-z ]*)$")]
    private static partial Regex ToRoom();

    /// <summary>"heat tea for walter", "cook the pasta for leo": do it, then give it to them.</summary>
    [GeneratedRegex(@"^(heat|warm|cook|make)\s+(?:the\s+|some\s+|a\s+)?(.+?)\s+for\s+(?:the\s+)?([a-z][a-z\- ]*)$")]
    private static partial Regex ForSomeone();

    /// <summary>"clear the glass off the table", "take the cup from the shelf": take it.</summary>
    [GeneratedRegex(@"^(?:clear|take|pick up)\s+(.+?)\s+(?:off|from|off of)\s+(?:the\s+)?[a-z][a-z ]*$")]
    private static partial Regex ClearOff();

    [GeneratedRegex(@"^(?:get rid of|throw out|throw away|bin)\s+")]
    private static partial Regex GetRidOf();

    [GeneratedRegex(@"^(heat up|warm up|warm|finish|bake|fry|boil|roast|hand|pass)\s+")]
    private static partial Regex LeadingVerb();

    /// <summary>"switch the oven off", "turn the light on".</summary>
    [GeneratedRegex(@"^(?:switch|turn)\s+(.+?)\s+(off|on)$")]
    private static partial Regex SwitchedOff();

    /// <summary>"give him his ball", "bring me a tea", "get nora her baby food".</summary>
    [GeneratedRegex(@"^(?:give|bring|get|fetch|grab|take)\s+([a-z][a-z\-]*)\s+(.+)$")]
    private static partial Regex GiveSomeone();

    /// <summary>"fetch the cup", "grab my keys": for the speaker.</summary>
    [GeneratedRegex(@"^(?:bring|get|fetch|grab)\s+(.+)$")]
    private static partial Regex Fetch();

    /// <summary>"my jacket from the hall": where it is, not part of its name.</summary>
    [GeneratedRegex(@"\s+from\s+(?:the\s+)?[a-z][a-z ]*$")]
    private static partial Regex FromSomewhere();

    /// <summary>Words that stand for no particular thing ("something to drink", "that thing"): the policy and the
    /// belief choose what they are, not the first thing the words happen to fit.</summary>
    [GeneratedRegex(@"^(?:(?:the|a|an|some|any)\s+)?(?:something|anything|everything|whatever|thing|things|stuff|that|this|these|those)\b")]
    private static partial Regex Indefinite();

    /// <summary>A word for a sort of thing ("a drink", "a snack"): read as the things in view of that sort, when the
    /// ontology knows it as a kind (each of them is then a reading), else no plan.</summary>
    [GeneratedRegex(@"^(?:(?:the|a|an|some|any)\s+)?(dinner|lunch|breakfast|supper|food|meal|snack|drink|treat)$")]
    private static partial Regex Category();

    /// <summary>"cook me some pasta", "order him a pizza".</summary>
    [GeneratedRegex(@"^(cook|make|heat|order)\s+(me|us|him|her|them)\s+(.+)$")]
    private static partial Regex DoForSomeone();

    [GeneratedRegex(@"\b(to|for)\s+(me|us|him|her|them)$")]
    private static partial Regex ToSomeone();

    [GeneratedRegex(@"^give\s+(.+?)\s+for\s+[a-z][a-z ]*?\s+to\s+([a-z][a-z\-]*)$")]
    private static partial Regex GivenFor();

    [GeneratedRegex(@"\b(?:his|her|their|my|our|your)\s+(?=[a-z])")]
    private static partial Regex Possessive();

    [GeneratedRegex(@"^(?:the|a|an|my|his|her|our|their|some)\s+")]
    private static partial Regex Determiner();

    [GeneratedRegex(@"^(cook|heat)\s+(?:the\s+|some\s+|a\s+)?([^;]+)$")]
    private static partial Regex CookedAlone();

    /// <summary>"order one", "order another one", "bake the frozen one": the kind the instruction named.</summary>
    [GeneratedRegex(@"(?<=^(?:order|cook|heat|bring|take|give|get)\s.*?)\b(?:(?:a|an|another|new|fresh)\s+)?one\b")]
    private static partial Regex OrderOne();

    /// <summary>"order a pizza for leo": whom it is for.</summary>
    [GeneratedRegex(@"^order\s+.+?\s+for\s+([a-z][a-z\-]*)$")]
    private static partial Regex OrderFor();
}
