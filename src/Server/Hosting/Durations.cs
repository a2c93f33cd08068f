using System.Globalization;

namespace CoopAgent.Server.Hosting;

/// <summary>Durations as people write them on a command line: a positive number and a unit, <c>ms</c>, <c>s</c>,
/// <c>m</c>, <c>h</c> or <c>d</c> (<c>30m</c>, <c>2h</c>, <c>1.5h</c>, <c>500ms</c>).</summary>
public static class Durations
{
    private static readonly (string Unit, double Milliseconds)[] Units =
        [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];

    /// <summary>Reads <paramref name="text"/>; false (with <paramref name="duration"/> zero) when it is not a
    /// positive number followed by one of the units.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var trimmed = text?.Trim() ?? "";
        // Longest unit first among those that end the text ("ms" before "s" and "m").
        foreach (var (unit, milliseconds) in Units.OrderByDescending(u => u.Unit.Length))
        {
            if (trimmed.Length > unit.Length && trimmed.EndsWith(unit, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(trimmed[..^unit.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                && number > 0 && double.IsFinite(number) && number * milliseconds <= TimeSpan.MaxValue.TotalMilliseconds)
            {
                duration = TimeSpan.FromMilliseconds(number * milliseconds);
                return duration > TimeSpan.Zero;
            }
        }

        return false;
    }

    /// <summary>What a valid duration looks like, for error messages.</summary>
    public const string Expected = "a positive number and a unit: ms, s, m, h or d (for example 30m or 2h)";
}
