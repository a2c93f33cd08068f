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
        var text = (words ?? "").Trim().TrimEnd('.', '!', '?').ToLower(CultureInfo.InvariantCulture);

        // The whole reply, else its first clause ("Order a pizza, I'll pay." → "order a pizza").
        var clause = text.Split([',', ';'], 2)[0];
        return Plan(text, view, context) ?? (clause != text ? Plan(clause, view, context) : null);
    }

    private static (string Text, IReadOnlyList<HouseholdAction> Actions)? Plan(string text, World? view, RequestContext context)
    {
        text = Pronouns(Synonyms(Trim(text)), context);
        if (context.Named is { } named)
        {
            text = OrderOne().Replace(text, m => $"{m.Groups[1].Value} {named}");
        }

        text = ForSomeone().Replace(text, m =>
            $"{(m.Groups[1].Value is "cook" or "make" ? "cook" : "heat")} {m.Groups[2].Value}; give {m.Groups[2].Value} to {m.Groups[3].Value}");
        var orderedFor = OrderFor().Match(text) is { Success: true } order ? order.Groups[1].Value : null;
        if (orderedFor is not null)
        {
            text = OrderFor().Replace(text, m => m.Value[..^(" for ".Length + m.Groups[1].Length)]);
        }

        var parsed = ActionParser.ParsePlan(text.Replace(" and then ", "; ", StringComparison.Ordinal).Replace(" then ", "; ", StringComparison.Ordinal));
        if (text.Length == 0 || parsed.Any(p => !p.Ok) || parsed.Any(p => p.Action!.Verb is Verb.Ask or Verb.Say))
        {
            return null;
        }

        var requested = parsed.Select(p => p.Action!).ToList();
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

        return (string.Join("; ", actions), actions);
    }

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

    /// <summary>Everyday verbs as the robot's: "heat up" and "warm" are heat, "bake" is cook, "hand" and "pass" give.</summary>
    private static string Synonyms(string text) => LeadingVerb().Replace(text, m => m.Groups[1].Value switch
    {
        "heat up" or "warm up" or "warm" => "heat",
        "bake" or "fry" or "boil" or "roast" => "cook",
        _ => "give",
    } + " ");

    /// <summary>"give him X" → "give X to oscar", "cook me X" → "cook X for sam", "to her" → "to lily", possessives
    /// dropped ("his ball" → "ball"). A pronoun with nobody to stand for leaves the words unread.</summary>
    private static string Pronouns(string text, RequestContext context)
    {
        string Person(string pronoun) => (pronoun is "me" or "us" ? context.Speaker : context.About) ?? pronoun;
        text = GiveSomeone().Replace(text, m => $"give {m.Groups[2].Value} to {Person(m.Groups[1].Value)}");
        text = DoForSomeone().Replace(text, m => $"{m.Groups[1].Value} {m.Groups[3].Value} for {Person(m.Groups[2].Value)}");
        text = ToSomeone().Replace(text, m => $"{m.Groups[1].Value} {Person(m.Groups[2].Value)}");
        return Possessive().Replace(text, "");
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

    /// <summary>"heat tea for walter", "cook the pasta for leo": do it, then give it to them.</summary>
    [GeneratedRegex(@"^(heat|warm|cook|make)\s+(?:the\s+|some\s+|a\s+)?(.+?)\s+for\s+(?:the\s+)?([a-z][a-z\- ]*)$")]
    private static partial Regex ForSomeone();

    [GeneratedRegex(@"^(heat up|warm up|warm|bake|fry|boil|roast|hand|pass)\s+")]
    private static partial Regex LeadingVerb();

    /// <summary>"give him his ball", "bring me a tea", "get her the doll".</summary>
    [GeneratedRegex(@"^(?:give|bring|get|fetch)\s+(me|us|him|her|them)\s+(.+)$")]
    private static partial Regex GiveSomeone();

    /// <summary>"cook me some pasta", "order him a pizza".</summary>
    [GeneratedRegex(@"^(cook|make|heat|order)\s+(me|us|him|her|them)\s+(.+)$")]
    private static partial Regex DoForSomeone();

    [GeneratedRegex(@"\b(to|for)\s+(me|us|him|her|them)\b")]
    private static partial Regex ToSomeone();

    [GeneratedRegex(@"\b(?:his|her|their|my|our|your)\s+(?=[a-z])")]
    private static partial Regex Possessive();

    /// <summary>"order one", "order another one": the kind the instruction named.</summary>
    [GeneratedRegex(@"^(order|cook|heat|bring|take)\s+(?:a\s+|an\s+|the\s+)?(?:new\s+|fresh\s+|another\s+)?one$")]
    private static partial Regex OrderOne();

    /// <summary>"order a pizza for leo": whom it is for.</summary>
    [GeneratedRegex(@"^order\s+.+?\s+for\s+([a-z][a-z\-]*)$")]
    private static partial Regex OrderFor();
}
