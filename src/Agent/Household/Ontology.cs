using System.Globalization;

namespace CoopAgent.Agent.Household;

/// <summary>
/// The kinds of things a home holds, with attributes, synonyms and an is-a hierarchy. Any surface word
/// people use ("coke", "sodas", "a cup of tea", "the kitchen knife") resolves to a kind; words it has never
/// heard of become unknown kinds (<see cref="ObjectKind.CreateUnknown"/>) rather than errors.
/// </summary>
public sealed class Ontology
{
    private static readonly string[] Determiners =
    [
        "the", "a", "an", "some", "any", "my", "your", "his", "her", "their", "our", "its", "this", "that",
        "these", "those", "another", "one", "two", "three", "more", "little", "few",
    ];

    private static readonly string[] Measures =
    [
        "cup", "cups", "glass", "glasses", "bottle", "bottles", "can", "cans", "tin", "tins", "box", "boxes",
        "bag", "bags", "carton", "cartons", "jar", "jars", "piece", "pieces", "slice", "slices", "bowl", "bowls",
        "pack", "packs", "packet", "packets", "mug", "mugs", "pint", "pints", "bunch", "plate", "plates", "bit", "bar",
    ];

    private readonly Dictionary<string, ObjectKind> _byWord = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ObjectKind> _byName = new(StringComparer.Ordinal);

    /// <summary>Builds an ontology from kinds; every name and synonym must be unique.</summary>
    /// <exception cref="ArgumentException">Two kinds claim the same word, or a parent is missing.</exception>
    public Ontology(IEnumerable<ObjectKind> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        foreach (var kind in kinds)
        {
            if (!_byName.TryAdd(kind.Name, kind))
            {
                throw new ArgumentException($"kind '{kind.Name}' is defined twice", nameof(kinds));
            }
        }

        foreach (var kind in _byName.Values)
        {
            foreach (var word in kind.Synonyms.Prepend(kind.Name))
            {
                var key = Normalize(word);
                if (_byWord.TryGetValue(key, out var other) && other != kind)
                {
                    throw new ArgumentException($"'{word}' names both '{other.Name}' and '{kind.Name}'", nameof(kinds));
                }

                _byWord[key] = kind;
            }

            foreach (var parent in kind.Parents)
            {
                if (!_byName.ContainsKey(parent))
                {
                    throw new ArgumentException($"kind '{kind.Name}' is a '{parent}', which is not defined", nameof(kinds));
                }
            }
        }
    }

    /// <summary>The built-in ontology (see <c>OntologyData</c>): food, drinks, tableware, tools, toys, pets, people.</summary>
    public static Ontology Default { get; } = new(ParseTable(OntologyData.Kinds));

    /// <summary>Every known kind, in definition order.</summary>
    public IReadOnlyCollection<ObjectKind> Kinds => _byName.Values;

    public int Count => _byName.Count;

    /// <summary>The kind with this canonical name.</summary>
    /// <exception cref="KeyNotFoundException">No such kind.</exception>
    public ObjectKind this[string name] => _byName.TryGetValue(name, out var kind)
        ? kind
        : throw new KeyNotFoundException($"no kind named '{name}'");

    /// <summary>
    /// The kind a phrase names, or null when the ontology does not know it. Tries, in order: the phrase
    /// without determiners, its singular, without a measure ("a bottle of water" → water), and finally
    /// without leading modifiers ("cold beer" → beer, "the red cup" → cup).
    /// </summary>
    public ObjectKind? Find(string phrase)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var words = Normalize(phrase).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        while (words.Count > 1 && Array.IndexOf(Determiners, words[0]) >= 0)
        {
            words.RemoveAt(0);
        }

        for (var start = 0; start < words.Count; start++)
        {
            var tail = string.Join(' ', words.Skip(start));
            if (FindExact(tail) is { } kind)
            {
                return kind;
            }

            // "bottle of water": the thing is what follows "of".
            if (start + 1 < words.Count && words[start + 1] == "of" && Array.IndexOf(Measures, words[start]) >= 0
                && start + 2 < words.Count)
            {
                return Find(string.Join(' ', words.Skip(start + 2)));
            }
        }

        return null;
    }

    /// <summary>The kind a phrase names, or a fresh unknown kind carrying the phrase as its name.</summary>
    public ObjectKind Resolve(string phrase) => Find(phrase) ?? ObjectKind.CreateUnknown(Normalize(phrase));

    /// <summary>True when <paramref name="kind"/> is <paramref name="general"/> or one of its descendants.</summary>
    public bool IsA(ObjectKind kind, ObjectKind general)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(general);
        if (kind.Name == general.Name)
        {
            return true;
        }

        foreach (var parent in kind.Parents)
        {
            if (_byName.TryGetValue(parent, out var p) && IsA(p, general))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower case, single spaces, no surrounding punctuation or quotes, no possessive "'s" on the last word.</summary>
    public static string Normalize(string phrase)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var lower = phrase.ToLower(CultureInfo.InvariantCulture).Trim().Trim('.', ',', '!', '?', '"', '\'', ';', ':', '(', ')');
        return string.Join(' ', lower.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }

    private ObjectKind? FindExact(string words)
    {
        if (_byWord.TryGetValue(words, out var kind))
        {
            return kind;
        }

        foreach (var singular in Singulars(words))
        {
            if (_byWord.TryGetValue(singular, out kind))
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>Candidate singulars of the last word of an English noun phrase: berries → berry, knives → knife.</summary>
    private static IEnumerable<string> Singulars(string words)
    {
        if (words.EndsWith("ies", StringComparison.Ordinal))
        {
            yield return words[..^3] + "y";
        }

        if (words.EndsWith("ves", StringComparison.Ordinal))
        {
            yield return words[..^3] + "fe";
            yield return words[..^3] + "f";
        }

        if (words.EndsWith("es", StringComparison.Ordinal))
        {
            yield return words[..^2];
        }

        if (words.EndsWith('s') && !words.EndsWith("ss", StringComparison.Ordinal))
        {
            yield return words[..^1];
        }
    }

    /// <summary>Reads the <c>name | category | traits | synonyms | parents | price</c> table; '#' starts a comment line.</summary>
    internal static IEnumerable<ObjectKind> ParseTable(string table)
    {
        foreach (var raw in table.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 5)
            {
                throw new FormatException($"ontology line has {cells.Length} cells, needs at least 5: {line}");
            }

            var traits = Traits.None;
            foreach (var word in List(cells[2]))
            {
                traits |= TraitNames.TryParse(word, out var t) ? t : throw new FormatException($"unknown trait '{word}' in: {line}");
            }

            var price = cells.Length > 5 && cells[5].Length > 0 ? double.Parse(cells[5], CultureInfo.InvariantCulture) : 0;
            yield return new ObjectKind(cells[0], Enum.Parse<KindCategory>(cells[1]), traits, List(cells[3]), List(cells[4]), price);
        }

        static string[] List(string cell) => cell.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
