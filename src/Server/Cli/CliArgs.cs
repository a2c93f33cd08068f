using System.Globalization;

namespace CoopAgent.Server.Cli;

/// <summary>Thrown for a command line that cannot be understood; the message says what to type instead.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Parsed options of one verb: <c>--name value</c>, <c>--name=value</c> and bare flags (<c>--json</c>).
/// Words that are not options are kept in order as <see cref="Positionals"/>.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CliArgs(IReadOnlyList<string> words, IReadOnlySet<string>? flags = null)
    {
        Raw = words;
        var positionals = new List<string>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (!word.StartsWith("--", StringComparison.Ordinal) || word.Length == 2)
            {
                positionals.Add(word);
                continue;
            }

            var body = word[2..];
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                _options[body[..eq]] = body[(eq + 1)..];
            }
            else if ((flags is null || !flags.Contains(body)) && i + 1 < words.Count && !words[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                _options[body] = words[++i];
            }
            else
            {
                _options[body] = null;
            }
        }

        Positionals = positionals;
    }

    /// <summary>Every word after the verb, as typed.</summary>
    public IReadOnlyList<string> Raw { get; }

    public IReadOnlyList<string> Positionals { get; }

    public bool Has(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public bool Flag(string name) => Has(name);

    public string? Get(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value))
        {
            return null;
        }

        return value ?? throw new CliUsageException($"--{name} needs a value.");
    }

    public string Get(string name, string fallback) => Get(name) ?? fallback;

    public string Required(string name) =>
        Get(name) ?? throw new CliUsageException($"--{name} is required.");

    public int GetInt(string name, int fallback)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUsageException($"--{name} takes a whole number, not '{text}'.");
    }

    public double GetDouble(string name, double fallback)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUsageException($"--{name} takes a number, not '{text}'.");
    }

    public string Choice(string name, string fallback, params string[] allowed)
    {
        var value = Get(name, fallback);
        return Array.IndexOf(allowed, value) >= 0
            ? value
            : throw new CliUsageException($"--{name} must be one of {string.Join(", ", allowed)}; got '{value}'.");
    }

    /// <summary>Options given on the command line that the verb never asked for (typos, mostly).</summary>
    public IEnumerable<string> Unread() => _options.Keys.Where(k => !_read.Contains(k));

    /// <summary>Throws when an option was given that the verb does not know.</summary>
    public void RejectUnknown()
    {
        var unknown = Unread().ToList();
        if (unknown.Count > 0)
        {
            throw new CliUsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}
