using System.Text;

namespace CoopAgent.Agent.Humans;

/// <summary>What a person wants done, before the words: the intents instructions are written for.</summary>
public enum InstructionIntent
{
    MakeDrink,
    MakeFood,
    LookAfter,
    Fetch,
    Tidy,
    PutAway,
    Dispose,
    SwitchOff,
    Warm,
}

/// <summary>
/// The words that fill a template. <see cref="Recipient"/> is who gets the thing ("me", "Tom");
/// <see cref="Item"/> the thing when the person bothers to name it (null: under-specified);
/// <see cref="Place"/> a room or container; <see cref="Dependent"/> the one to look after ("the baby",
/// "Sam") with <see cref="Pronoun"/> (he/she/they).
/// </summary>
public sealed record InstructionSlots(
    string Recipient = "me",
    string? Item = null,
    string? Place = null,
    string? Dependent = null,
    string Pronoun = "they");

/// <summary>
/// Surface forms per intent, written as people speak: short, polite or curt, often without the object.
/// Slots are <c>{recipient}</c>, <c>{item}</c>, <c>{place}</c>, <c>{dependent}</c>, <c>{pronoun}</c>;
/// a template is usable only when every slot it names is filled.
/// </summary>
public static class InstructionTemplates
{
    private static readonly Dictionary<InstructionIntent, string[]> Forms = new()
    {
        [InstructionIntent.MakeDrink] =
        [
            "make {recipient} a drink",
            "get {recipient} something to drink",
            "could you make {recipient} a drink?",
            "i'm thirsty",
            "can you get {recipient} a drink please",
            "{recipient} could use a drink",
            "bring {recipient} something to drink, would you?",
            "something to drink for {recipient}, please",
            "make {recipient} a {item}",
            "could you make {recipient} a {item}?",
            "i'd love a {item}",
            "get {recipient} a {item} please",
            "fix {recipient} a drink",
            "would you mind making {recipient} a drink?",
            "a drink for {recipient} would be great",
            "pour {recipient} a drink",
            "can {recipient} have a {item}?",
            "i need a drink",
            "make {recipient} something hot to drink",
            "get {recipient} something cold to drink",
            "it's been a long day, could you get {recipient} a drink",
            "drink for {recipient}, thanks",
            "what's there to drink? get {recipient} one",
            "could you sort {recipient} out with a drink?",
        ],
        [InstructionIntent.MakeFood] =
        [
            "make {recipient} something to eat",
            "cook something for {recipient}",
            "i'm hungry",
            "could you cook {recipient} dinner?",
            "can you make {recipient} lunch please",
            "{recipient} needs feeding",
            "get {recipient} something to eat",
            "make {recipient} a snack",
            "cook {recipient} some {item}",
            "could you make {recipient} some {item}?",
            "i fancy {item}",
            "make {recipient} breakfast",
            "would you mind cooking something for {recipient}?",
            "fix {recipient} something to eat",
            "whip up something for {recipient}, would you",
            "{recipient} is starving, cook something",
            "can you sort out dinner for {recipient}?",
            "food for {recipient} please",
            "heat something up for {recipient}",
            "make {recipient} a meal",
            "i could eat, make something",
            "can {recipient} have some {item}?",
            "cook whatever's there for {recipient}",
        ],
        [InstructionIntent.LookAfter] =
        [
            "look after {dependent}",
            "look after {dependent}, cook if {pronoun} gets hungry",
            "keep an eye on {dependent}",
            "could you watch {dependent} for a bit?",
            "mind {dependent} while i'm out",
            "take care of {dependent}, feed {dependent} if {pronoun} is hungry",
            "babysit {dependent} please",
            "watch {dependent}, and if {pronoun} gets hungry make something",
            "can you look after {dependent} for an hour?",
            "i'm popping out, look after {dependent}",
            "keep {dependent} safe till i'm back",
            "keep {dependent} company",
            "would you mind watching {dependent}?",
            "look after {dependent}; cook something if {pronoun} is hungry",
            "make sure {dependent} is ok",
            "{dependent} is with you, feed {dependent} if needed",
            "stay with {dependent} please",
            "check on {dependent} now and then",
            "i'm going out, {dependent} might get hungry",
            "keep an eye on {dependent} and give {dependent} something if {pronoun} is hungry",
            "mind {dependent}, please, and make sure {pronoun} eats",
            "you're in charge of {dependent} tonight",
        ],
        [InstructionIntent.Fetch] =
        [
            "bring {recipient} the {item}",
            "get {recipient} the {item}",
            "can you fetch the {item}?",
            "could you bring {recipient} the {item} please",
            "grab the {item} for {recipient}",
            "i need the {item}",
            "where's the {item}? bring it here",
            "fetch {recipient} the {item} from the {place}",
            "get the {item} from the {place}",
            "pass {recipient} the {item}",
            "would you mind getting {recipient} the {item}?",
            "bring {recipient} something from the {place}",
            "the {item}, please",
            "hand {recipient} the {item}",
            "go get the {item}",
            "could you grab {recipient} a {item}?",
            "i left the {item} in the {place}, can you get it",
            "bring {recipient} that thing",
            "get {recipient} one of those",
            "fetch it for {recipient}",
            "can {recipient} have the {item}?",
            "bring it over please",
        ],
        [InstructionIntent.Tidy] =
        [
            "tidy up",
            "clean up the {place}",
            "could you tidy the {place}?",
            "the {place} is a mess",
            "clean this up",
            "can you clear up please",
            "give the {place} a clean",
            "tidy the {place} please",
            "would you mind cleaning up?",
            "sort out the mess",
            "clean up after {recipient}",
            "wipe down the {place}",
            "make the {place} look nice",
            "it's filthy in here",
            "clean the {item}",
            "the {item} needs cleaning",
            "could you clean the {item}?",
            "get this place tidy before the guests come",
            "clean up",
            "straighten up the {place}",
            "deal with the mess in the {place}",
            "can you do some cleaning?",
        ],
        [InstructionIntent.PutAway] =
        [
            "put the {item} away",
            "put the {item} in the {place}",
            "could you put the {item} back?",
            "put things away",
            "put that away please",
            "can you put the {item} in the {place}?",
            "the {item} goes in the {place}",
            "stick the {item} in the {place}",
            "put everything back where it belongs",
            "would you mind putting the {item} away?",
            "store the {item}",
            "put the {item} back in the {place}",
            "tidy the {item} away",
            "clear the {item} away",
            "put it away",
            "can you put away the shopping?",
            "put the {item} somewhere safe",
            "the {item} shouldn't be out, put it away",
            "move the {item} to the {place}",
            "get the {item} out of the way",
            "pop the {item} in the {place}",
            "put the stuff away",
        ],
        [InstructionIntent.Dispose] =
        [
            "throw the {item} away",
            "get rid of the {item}",
            "bin the {item}",
            "could you throw that out?",
            "throw out the old stuff",
            "put the {item} in the bin",
            "can you dispose of the {item}?",
            "chuck the {item}",
            "the {item} has gone off, throw it out",
            "get rid of that",
            "would you mind binning the {item}?",
            "throw away anything that's gone bad",
            "clear out the {place}",
            "empty the {place}",
            "take out the rubbish",
            "dump the {item}",
            "get that out of here",
            "toss the {item}",
            "the {item} is no good, bin it",
            "throw the rubbish out",
            "clean out the {place}",
            "chuck out whatever's old in the {place}",
        ],
        [InstructionIntent.SwitchOff] =
        [
            "switch the {item} off",
            "turn off the {item}, will you?",
            "can you turn the {item} off?",
            "the {item} is still on, switch it off",
            "{item} off, please",
            "i left the {item} on, could you turn it off?",
            "could you switch off the {item}?",
            "turn the {item} off",
            "did i leave the {item} on? turn it off",
            "would you mind switching the {item} off?",
            "the {item} needs turning off",
            "please shut the {item} off",
            "kill the {item}, would you",
            "make sure the {item} is off",
            "switch off the {item} in the {place}",
            "the {item} in the {place} is on, turn it off",
            "go and turn off the {item}",
            "is the {item} still on? switch it off",
            "can you deal with the {item}, it's still on",
            "turn that {item} off before it burns something",
            "switch it off",
        ],
        [InstructionIntent.Warm] =
        [
            "warm up the {item} and bring it to {recipient}",
            "heat the {item} for {recipient}?",
            "could you heat up the {item} for {recipient}",
            "{recipient} would like the {item} warmed up",
            "warm the {item} for {recipient}, please",
            "can you heat up some {item} for {recipient}?",
            "heat up the {item} and give it to {recipient}",
            "i'd like the {item} hot",
            "warm up the {item}, would you?",
            "the {item} is cold, heat it up for {recipient}",
            "could {recipient} have the {item} warm?",
            "make the {item} hot and bring it over",
            "reheat the {item} for {recipient}",
            "would you mind warming the {item} for {recipient}?",
            "hot {item} for {recipient}, please",
            "bring {recipient} the {item}, heated",
            "can you warm something up for {recipient}?",
            "heat something up and bring it to {recipient}",
            "i fancy something warm to eat",
            "get the {item} from the {place}, warm it and bring it to {recipient}",
            "pop the {item} in to warm and bring it here",
        ],
    };

    private static readonly string[] PolitePrefixes = ["please ", "hey, ", "hi, ", "sorry, ", "ok so ", "um, ", ""];

    private static readonly string[] PoliteSuffixes = [" please", " thanks", " thank you", " if you can", " when you get a chance", ""];

    /// <summary>Every intent with templates.</summary>
    public static IReadOnlyList<InstructionIntent> Intents { get; } = Enum.GetValues<InstructionIntent>();

    /// <summary>All templates of one intent, slots unfilled.</summary>
    public static IReadOnlyList<string> For(InstructionIntent intent) => Forms[intent];

    /// <summary>The templates of <paramref name="intent"/> whose slots <paramref name="slots"/> can fill.</summary>
    public static IReadOnlyList<string> Usable(InstructionIntent intent, InstructionSlots slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        return Forms[intent].Where(t => CanFill(t, slots)).ToList();
    }

    /// <summary>Fills one template. Throws when a slot it names is empty (use <see cref="Usable"/> first).</summary>
    public static string Fill(string template, InstructionSlots slots)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(slots);
        if (!CanFill(template, slots))
        {
            throw new ArgumentException($"Template '{template}' names a slot that is empty.", nameof(template));
        }

        return template
            .Replace("{recipient}", slots.Recipient, StringComparison.Ordinal)
            .Replace("{item}", slots.Item ?? "", StringComparison.Ordinal)
            .Replace("{place}", slots.Place ?? "", StringComparison.Ordinal)
            .Replace("{dependent}", slots.Dependent ?? "", StringComparison.Ordinal)
            .Replace("{pronoun}", slots.Pronoun, StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes one instruction as a person would say it: a usable template, sometimes a polite word before
    /// or after, a capital letter or not, and with probability <paramref name="typoRate"/> one typo (two
    /// neighbouring letters swapped in a word of four letters or more).
    /// </summary>
    public static string Write(InstructionIntent intent, InstructionSlots slots, Random random, double typoRate = 0.1)
    {
        ArgumentNullException.ThrowIfNull(random);
        var usable = Usable(intent, slots);
        if (usable.Count == 0)
        {
            throw new ArgumentException($"No template of {intent} can be filled from the slots given.", nameof(slots));
        }

        var text = Fill(usable[random.Next(usable.Count)], slots);
        if (random.NextDouble() < 0.3 && !text.EndsWith('?'))
        {
            text = PolitePrefixes[random.Next(PolitePrefixes.Length)] + text;
        }
        else if (random.NextDouble() < 0.3 && !text.EndsWith('?'))
        {
            text += PoliteSuffixes[random.Next(PoliteSuffixes.Length)];
        }

        if (random.NextDouble() < 0.5)
        {
            text = char.ToUpperInvariant(text[0]) + text[1..];
        }

        if (random.NextDouble() < typoRate)
        {
            text = AddTypo(text, random);
        }

        return text;
    }

    /// <summary>Swaps two neighbouring letters inside one word of four letters or more (leaves slot words
    /// alone only by chance: people misspell names too).</summary>
    internal static string AddTypo(string text, Random random)
    {
        var words = text.Split(' ');
        var candidates = Enumerable.Range(0, words.Length).Where(i => words[i].Count(char.IsLetter) >= 4).ToList();
        if (candidates.Count == 0)
        {
            return text;
        }

        var w = candidates[random.Next(candidates.Count)];
        var word = new StringBuilder(words[w]);
        var letters = Enumerable.Range(0, word.Length - 1).Where(i => char.IsLetter(word[i]) && char.IsLetter(word[i + 1]) && word[i] != word[i + 1]).ToList();
        if (letters.Count == 0)
        {
            return text;
        }

        var at = letters[random.Next(letters.Count)];
        (word[at], word[at + 1]) = (word[at + 1], word[at]);
        words[w] = word.ToString();
        return string.Join(' ', words);
    }

    private static bool CanFill(string template, InstructionSlots slots) =>
        (slots.Item is not null || !template.Contains("{item}", StringComparison.Ordinal))
        && (slots.Place is not null || !template.Contains("{place}", StringComparison.Ordinal))
        && (slots.Dependent is not null || !template.Contains("{dependent}", StringComparison.Ordinal));
}
