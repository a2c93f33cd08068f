using System.Globalization;
using System.Text.RegularExpressions;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// The answers a question offering options could get, in a person's words: "Would you like the tea or the
/// coffee?" → "The tea, please.", "The coffee, please."; "Shall I heat soup for priya, or order pizza for priya?"
/// → "Heat soup for priya, please.", …; "I can't do exactly that. Shall I X instead?" → "Yes, please.". An open
/// question ("What would you like?") offers nothing to imagine: no answers.
/// </summary>
public static partial class ImaginedAnswer
{
    /// <summary>One answer per distinct option of <paramref name="question"/>, in the order offered.</summary>
    public static IReadOnlyList<string> For(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var text = question.Trim();
        if (Substitute().IsMatch(text))
        {
            return ["Yes, please."];
        }

        if (Things().Match(text) is { Success: true } things)
        {
            return Options(things.Groups["options"].Value, " or the ").Select(o => $"The {o}, please.").ToList();
        }

        if (Goals().Match(text) is { Success: true } goals)
        {
            return Options(goals.Groups["options"].Value, ", or ").Select(o => $"{char.ToUpper(o[0], CultureInfo.InvariantCulture)}{o[1..]}, please.").ToList();
        }

        return [];
    }

    /// <summary>What the question says before it asks — "I can't do exactly that." — or null: the policy's own
    /// words, which the robot can say instead of asking.</summary>
    public static string? Statement(string question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return Substitute().IsMatch(question.Trim()) ? "I can't do exactly that." : null;
    }

    private static IEnumerable<string> Options(string options, string separator) =>
        options.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"^(?:Would you like|Should \S+ have) the (?<options>.+ or the .+)\?$", RegexOptions.CultureInvariant)]
    private static partial Regex Things();

    [GeneratedRegex(@"^Shall I (?<options>.+, or .+)\?$", RegexOptions.CultureInvariant)]
    private static partial Regex Goals();

    [GeneratedRegex(@"^I can't do exactly that\. Shall I .+ instead\?$", RegexOptions.CultureInvariant)]
    private static partial Regex Substitute();
}
