using System.Reflection;

namespace CoopAgent.Agent.Scenarios;

/// <summary>The scenario suite that ships inside the assembly (<c>src/Agent/Scenarios/Builtin/*.json</c>).</summary>
public static class BuiltinScenarios
{
    private const string Prefix = "CoopAgent.Scenarios.";

    private static readonly Lazy<IReadOnlyList<Scenario>> Loaded = new(() => Names()
        .Select(name => ScenarioLoader.Parse(Read(name), name))
        .ToList());

    /// <summary>Every built-in scenario, sorted by resource name; loaded once.</summary>
    /// <exception cref="ScenarioException">A built-in file is invalid (a test guards against this).</exception>
    public static IReadOnlyList<Scenario> All() => Loaded.Value;

    /// <summary>The built-in scenario with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such scenario.</exception>
    public static Scenario Get(string id) =>
        All().FirstOrDefault(s => s.Id == id) ?? throw new KeyNotFoundException($"no built-in scenario '{id}'");

    /// <summary>Resource names of the built-in files.</summary>
    public static IReadOnlyList<string> Names() => typeof(BuiltinScenarios).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToList();

    /// <summary>The JSON text of one built-in resource.</summary>
    public static string Read(string resourceName)
    {
        using var stream = typeof(BuiltinScenarios).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new KeyNotFoundException($"no resource '{resourceName}'");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
