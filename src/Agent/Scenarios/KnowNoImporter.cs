using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Scenarios;

/// <summary>A malformed KnowNo/IntroPlan record: <see cref="Exception.Message"/> names the record id and line.</summary>
public sealed class KnowNoFormatException : FormatException
{
    public KnowNoFormatException(string? recordId, int line, string reason)
        : base($"record {recordId ?? "?"} (line {line}): {reason}")
    {
        RecordId = recordId;
        Line = line;
    }

    public KnowNoFormatException()
        : this(null, 0, "malformed record")
    {
    }

    public KnowNoFormatException(string message)
        : this(null, 0, message)
    {
    }

    public KnowNoFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The record's id as written, or null when the id itself is missing or malformed.</summary>
    public string? RecordId { get; }

    /// <summary>1-based line number of the record's first line (or of the offending line).</summary>
    public int Line { get; }
}

/// <summary>One record of the KnowNo / IntroPlan mobile-manipulation text format.</summary>
public sealed record KnowNoRecord(
    int Id,
    string Scene,
    string Task,
    IReadOnlyList<string> IntentObjects,
    IReadOnlyList<string> IntentLocations,
    IReadOnlyList<string> PossibleObjects,
    IReadOnlyList<string> PossibleLocations,
    IReadOnlyList<string> SceneObjects,
    string TaskCategory);

/// <summary>
/// Imports ask-vs-act benchmark records in the KnowNo / IntroPlan mobile-manipulation text format: records
/// separated by a blank line, each an integer id and then the lines <c>Scene:</c>, <c>Task:</c>,
/// <c>User intent (object):</c>, <c>User intent (location):</c>, <c>Possible objects:</c>,
/// <c>Possible locations:</c>, <c>Scene objects:</c>, <c>Task category:</c>. Lists are comma-separated
/// ("and" also separates). The user intent is the hidden θ: any listed intent object at any listed intent
/// location counts as success ("lemon, apple" means either is fine).
/// </summary>
/// <remarks>
/// Each record becomes one scenario (category <c>knowno</c>, id <c>knowno-ID</c>): a kitchen with the scene
/// objects on a work surface, every possible location as an open container, and the user standing there.
/// Hypotheses: <c>intent</c> (the user's recorded intent, fixed as the truth with <c>"truth": "intent"</c>)
/// and one alternative per other possible (object, location) pair, all with equal prior probability, so an
/// agent starts unsure exactly where the benchmark's words are ambiguous. A location of <c>user</c>, <c>me</c>, <c>person</c> or
/// <c>none</c> means "bring it to me" (success: the object is given to the user). Object names the ontology
/// does not know become unknown kinds.
/// </remarks>
public static class KnowNoImporter
{
    private static readonly string[] Keys =
    [
        "Scene", "Task", "User intent (object)", "User intent (location)", "Possible objects", "Possible locations", "Scene objects", "Task category",
    ];

    private static readonly string[] Surfaces = ["counter", "table", "shelf", "tray"];

    private static readonly string[] ToUser = ["user", "me", "person", "human", "none", "the user", "you", "hand", "my hand"];

    /// <summary>Reads a file of records.</summary>
    public static IReadOnlyList<KnowNoRecord> ReadFile(string path) => Parse(File.ReadAllText(path));

    /// <summary>Parses records; throws <see cref="KnowNoFormatException"/> naming the record and line of the first problem.</summary>
    public static IReadOnlyList<KnowNoRecord> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var records = new List<KnowNoRecord>();
        var block = new List<(int Line, string Text)>();
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i == lines.Length || lines[i].Trim().Length == 0)
            {
                if (block.Count > 0)
                {
                    records.Add(Record(block));
                    block.Clear();
                }

                continue;
            }

            block.Add((i + 1, lines[i].Trim()));
        }

        var duplicate = records.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new KnowNoFormatException(duplicate.Key.ToString(CultureInfo.InvariantCulture), 0, "the id is used by more than one record");
        }

        return records;
    }

    private static KnowNoRecord Record(List<(int Line, string Text)> block)
    {
        var (firstLine, idText) = block[0];
        if (!int.TryParse(idText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
        {
            throw new KnowNoFormatException(null, firstLine, $"a record starts with its integer id, not '{Shorten(idText)}'");
        }

        var idName = id.ToString(CultureInfo.InvariantCulture);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (line, content) in block.Skip(1))
        {
            var key = Keys.FirstOrDefault(k => content.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                throw new KnowNoFormatException(idName, line, $"unexpected line '{Shorten(content)}'; expected one of {string.Join(", ", Keys.Select(k => k + ":"))}");
            }

            if (!values.TryAdd(key, content[(key.Length + 1)..].Trim()))
            {
                throw new KnowNoFormatException(idName, line, $"'{key}:' appears twice");
            }
        }

        var missing = Keys.Where(k => !values.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            throw new KnowNoFormatException(idName, firstLine, $"missing {string.Join(", ", missing.Select(m => $"'{m}:'"))}");
        }

        foreach (var required in new[] { "Task", "User intent (object)", "Possible objects" })
        {
            if (values[required].Length == 0)
            {
                throw new KnowNoFormatException(idName, firstLine, $"'{required}:' is empty");
            }
        }

        var possible = List(values["Possible objects"]);
        var intent = List(values["User intent (object)"]);
        var stray = intent.FirstOrDefault(o => !possible.Contains(o, StringComparer.OrdinalIgnoreCase));
        if (stray is not null)
        {
            throw new KnowNoFormatException(idName, firstLine, $"intent object '{stray}' is not among the possible objects ({string.Join(", ", possible)})");
        }

        var possibleLocations = List(values["Possible locations"]);
        var intentLocations = List(values["User intent (location)"]);
        var strayLocation = intentLocations.FirstOrDefault(l => possibleLocations.Count > 0 && !possibleLocations.Contains(l, StringComparer.OrdinalIgnoreCase) && !IsUser(l));
        if (strayLocation is not null)
        {
            throw new KnowNoFormatException(idName, firstLine, $"intent location '{strayLocation}' is not among the possible locations ({string.Join(", ", possibleLocations)})");
        }

        return new KnowNoRecord(id, values["Scene"], values["Task"], intent, intentLocations, possible, possibleLocations,
            List(values["Scene objects"]), values["Task category"]);
    }

    /// <summary>Splits "a lemon, an apple and a bottle of water" into names without articles.</summary>
    internal static List<string> List(string text) => text
        .Replace(" and ", ",", StringComparison.OrdinalIgnoreCase)
        .Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(StripArticle)
        .Where(s => s.Length > 0)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .ToList();

    private static string StripArticle(string phrase)
    {
        var words = Ontology.Normalize(phrase).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        while (words.Count > 1 && words[0] is "a" or "an" or "the" or "some")
        {
            words.RemoveAt(0);
        }

        return string.Join(' ', words);
    }

    private static bool IsUser(string location) => ToUser.Contains(Ontology.Normalize(location), StringComparer.Ordinal);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    /// <summary>Turns one record into scenario JSON (schema of docs/scenarios.md).</summary>
    public static string ToScenarioJson(KnowNoRecord record, Ontology? ontology = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var o = ontology ?? Ontology.Default;
        var locations = record.PossibleLocations.Where(l => !IsUser(l)).ToList();
        var objects = record.SceneObjects.Concat(record.PossibleObjects)
            .Where(n => !locations.Contains(n, StringComparer.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        var usedIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "user", "kitchen" };
        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in locations.Concat(objects))
        {
            ids[name] = UniqueId(name, usedIds);
        }

        // The objects start on a surface whose words clash with no location or object name.
        var takenWords = locations.Concat(objects).SelectMany(n => n.Split(' ')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var surface = Surfaces.First(s => !takenWords.Contains(s) || s == "tray");
        var surfaceId = UniqueId("start " + surface, usedIds);

        var containers = new JsonArray
        {
            new JsonObject
            {
                ["id"] = surfaceId,
                ["kind"] = surface,
                ["name"] = surface,
                ["container"] = true,
                ["contents"] = new JsonArray(objects.Select(n => (JsonNode)Named(n, ids[n])).ToArray()),
            },
        };
        foreach (var location in locations)
        {
            var node = Named(location, ids[location]);
            node["container"] = true;
            containers.Add(node);
        }

        var intentLocations = record.IntentLocations.Count == 0 ? ["user"] : record.IntentLocations;
        var hypotheses = new JsonArray
        {
            Hypothesis("intent", 1, record.IntentObjects, intentLocations, ids,
                $"I meant {string.Join(" or ", record.IntentObjects)}" + (intentLocations.All(IsUser) ? "." : $", in the {string.Join(" or ", intentLocations)}.")),
        };
        var alternativeLocations = locations.Count == 0 ? ["user"] : locations.Concat(record.PossibleLocations.Where(IsUser).Take(1)).ToList();
        foreach (var obj in record.PossibleObjects)
        {
            foreach (var location in alternativeLocations)
            {
                var intended = record.IntentObjects.Contains(obj, StringComparer.OrdinalIgnoreCase)
                    && intentLocations.Any(l => string.Equals(l, location, StringComparison.OrdinalIgnoreCase) || (IsUser(l) && IsUser(location)));
                if (!intended)
                {
                    hypotheses.Add(Hypothesis($"{ids.GetValueOrDefault(obj, obj)}@{(IsUser(location) ? "user" : ids[location])}", 1, [obj], [location], ids, null));
                }
            }
        }

        var scenario = new JsonObject
        {
            ["id"] = $"knowno-{record.Id.ToString(CultureInfo.InvariantCulture)}",
            ["title"] = record.Task,
            ["category"] = ScenarioCategories.KnowNo,
            ["description"] = $"Imported KnowNo/IntroPlan record {record.Id.ToString(CultureInfo.InvariantCulture)}. Scene: {record.Scene}",
            ["tags"] = new JsonArray(record.TaskCategory.Length == 0 ? [] : [(JsonNode)record.TaskCategory]),
            ["home"] = new JsonObject
            {
                ["rooms"] = new JsonArray { new JsonObject { ["name"] = "kitchen", ["containers"] = containers } },
            },
            ["robot"] = new JsonObject { ["room"] = "kitchen" },
            ["people"] = new JsonArray { new JsonObject { ["name"] = "user", ["room"] = "kitchen" } },
            ["principal"] = "user",
            ["instruction"] = record.Task,
            ["hypotheses"] = hypotheses,
            ["truth"] = "intent",
            ["success"] = SuccessFor(record.IntentObjects, intentLocations, ids),
            ["catastrophe"] = new JsonArray { Feature("broken"), Feature("people_harmed"), Feature("pets_harmed") },
            ["step_limit"] = 12,
            ["question_cost"] = 0.3,
        };
        return scenario.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

        static JsonObject Feature(string name) => new() { ["feature"] = new JsonObject { ["name"] = name, ["min"] = 1 } };
    }

    /// <summary>Reads records and turns each into a loaded scenario.</summary>
    public static IReadOnlyList<Scenario> Import(string text, Ontology? ontology = null) =>
        Parse(text).Select(r => ScenarioLoader.Parse(ToScenarioJson(r, ontology), $"knowno record {r.Id.ToString(CultureInfo.InvariantCulture)}", ontology)).ToList();

    /// <summary>Imports a file and writes one <c>knowno-ID.json</c> per record into <paramref name="outDirectory"/>; returns the paths.</summary>
    public static IReadOnlyList<string> ImportFile(string path, string outDirectory, Ontology? ontology = null)
    {
        var scenarios = Import(File.ReadAllText(path), ontology);
        Directory.CreateDirectory(outDirectory);
        var written = new List<string>();
        foreach (var scenario in scenarios)
        {
            var file = Path.Combine(outDirectory, scenario.Id + ".json");
            File.WriteAllText(file, scenario.Json + "\n");
            written.Add(file);
        }

        return written;
    }

    private static JsonObject Named(string name, string id) => new() { ["id"] = id, ["kind"] = name, ["name"] = name };

    private static JsonObject Hypothesis(string name, double probability, IReadOnlyList<string> objects, IReadOnlyList<string> locations,
        Dictionary<string, string> ids, string? answer)
    {
        var hypothesis = new JsonObject
        {
            ["name"] = name,
            ["probability"] = probability,
            ["theta"] = new JsonObject
            {
                ["preferences"] = new JsonArray(objects.Select(o => (JsonNode)new JsonObject { ["person"] = "user", ["kind"] = o, ["value"] = 1 }).ToArray()),
            },
            ["success"] = SuccessFor(objects, locations, ids),
        };
        if (answer is not null)
        {
            hypothesis["answer"] = answer;
        }

        return hypothesis;
    }

    private static JsonArray SuccessFor(IReadOnlyList<string> objects, IReadOnlyList<string> locations, Dictionary<string, string> ids)
    {
        var options = new JsonArray();
        foreach (var obj in objects)
        {
            foreach (var location in locations)
            {
                options.Add(IsUser(location)
                    ? new JsonObject { ["item_in"] = new JsonObject { ["item"] = ids[obj], ["place"] = "user" } }
                    : new JsonObject { ["item_in"] = new JsonObject { ["item"] = ids[obj], ["place"] = ids[location] } });
            }
        }

        return [new JsonObject { ["any"] = options }];
    }

    private static string UniqueId(string name, HashSet<string> used)
    {
        var stem = string.Concat(Ontology.Normalize(name).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Trim('-');
        if (stem.Length == 0)
        {
            stem = "thing";
        }

        var id = stem;
        for (var n = 2; !used.Add(id); n++)
        {
            id = $"{stem}-{n.ToString(CultureInfo.InvariantCulture)}";
        }

        return id;
    }
}
