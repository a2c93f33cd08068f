using System.Text.Json;
using System.Text.Json.Serialization;
using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Humans;

/// <summary>
/// One preference over what a person is served. <see cref="Person"/> selects whom it is about: a name, or
/// <c>child</c>, <c>adult</c>, <c>*</c> (anyone). It matches a served item whose kind is <see cref="Kind"/> (or one of
/// its descendants: "soda" matches a cola) and/or that has <see cref="Trait"/>; both given means both must hold.
/// </summary>
public sealed record ItemPreference
{
    [JsonPropertyName("person")]
    public string Person { get; init; } = "*";

    [JsonPropertyName("kind")]
    public string? Kind { get; init; }

    [JsonPropertyName("trait")]
    public string? Trait { get; init; }

    /// <summary>Utility added each time a matching item is served to a matching person.</summary>
    [JsonPropertyName("value")]
    public double Value { get; init; }

    /// <summary>True when this preference speaks about <paramref name="served"/>.</summary>
    public bool Matches(Served served, Ontology ontology)
    {
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(ontology);
        var who = Person.Trim().ToLowerInvariant() switch
        {
            "*" or "" or "anyone" or "everyone" => true,
            "child" or "children" => served.ToChild,
            "adult" or "adults" => !served.ToChild,
            var name => string.Equals(name, served.Person, StringComparison.OrdinalIgnoreCase),
        };
        if (!who || (Kind is null && Trait is null))
        {
            return false;
        }

        if (Kind is not null)
        {
            var wanted = ontology.Find(Kind);
            var got = ontology.Find(served.Kind);
            var kindOk = wanted is not null && got is not null
                ? ontology.IsA(got, wanted)
                : string.Equals(Ontology.Normalize(Kind), served.Kind, StringComparison.OrdinalIgnoreCase);
            if (!kindOk)
            {
                return false;
            }
        }

        return Trait is null || (TraitNames.TryParse(Trait, out var t) && served.Traits.HasFlag(t));
    }
}

/// <summary>
/// A person's hidden reward θ: linear weights over the <see cref="Outcome.Features"/>, preferences over what
/// is served, and hard values people rarely say out loud (pets are family: <c>pets_harmed −1000</c>; children
/// must not touch knives: <c>knife_to_child −500</c>).
/// <code>U(outcome) = Σ_f (w_f + h_f) · φ_f(outcome) + Σ_{served s} Σ_{prefs p matching s} v_p</code>
/// where a feature with no weight in <see cref="Weights"/> takes its <see cref="DefaultWeights"/> value.
/// Serialises to and from JSON with snake-case keys (see docs/scenarios.md).
/// </summary>
public sealed record HiddenReward
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>
    /// Common-sense weights every θ starts from: finish the job (+10), do not hurt anyone (−100), do not
    /// break (−5) or waste (−1) things, money (−0.1 a unit) and time (−0.02 a minute) cost a little, a
    /// question costs the person's attention (−0.3), a safety violation is serious (−20).
    /// </summary>
    public static IReadOnlyDictionary<string, double> DefaultWeights { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [FeatureNames.GoalMet] = 10,
        [FeatureNames.PetsHarmed] = -100,
        [FeatureNames.PeopleHarmed] = -100,
        [FeatureNames.Broken] = -5,
        [FeatureNames.Wasted] = -1,
        [FeatureNames.Money] = -0.1,
        [FeatureNames.Minutes] = -0.02,
        [FeatureNames.FailedSteps] = -0.1,
        [FeatureNames.Mess] = -1,
        [FeatureNames.Questions] = -0.3,
        [FeatureNames.SafetyViolations] = -20,
    };

    /// <summary>A short name for this hypothesis ("pets-are-family", "wants-tea").</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "default";

    /// <summary>Weights over feature names; features not named keep <see cref="DefaultWeights"/>.</summary>
    [JsonPropertyName("weights")]
    public IReadOnlyDictionary<string, double> Weights { get; init; } = new Dictionary<string, double>();

    [JsonPropertyName("preferences")]
    public IReadOnlyList<ItemPreference> Preferences { get; init; } = [];

    /// <summary>Extra weights over features people rarely state, added to <see cref="Weights"/>.</summary>
    [JsonPropertyName("hard_values")]
    public IReadOnlyDictionary<string, double> HardValues { get; init; } = new Dictionary<string, double>();

    /// <summary>The weight a feature gets (its weight or default, plus any hard value).</summary>
    public double Weight(string feature) =>
        (Weights.TryGetValue(feature, out var w) ? w : DefaultWeights.GetValueOrDefault(feature))
        + HardValues.GetValueOrDefault(feature);

    /// <summary>How much this person values an episode's outcome.</summary>
    public double Utility(Outcome outcome, Ontology? ontology = null)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var features = outcome.Features();
        var total = 0.0;
        foreach (var name in features.Keys.Union(Weights.Keys).Union(HardValues.Keys).Union(DefaultWeights.Keys))
        {
            total += Weight(name) * features.GetValueOrDefault(name);
        }

        return total + outcome.Served.Sum(s => ServedValue(s, ontology));
    }

    /// <summary>The preference part of utility for one served item: the sum of matching preferences.</summary>
    public double ServedValue(Served served, Ontology? ontology = null)
    {
        var o = ontology ?? Ontology.Default;
        return Preferences.Where(p => p.Matches(served, o)).Sum(p => p.Value);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads θ from JSON.</summary>
    /// <exception cref="JsonException">The text is not a θ object.</exception>
    public static HiddenReward FromJson(string json) =>
        JsonSerializer.Deserialize<HiddenReward>(json, Json) ?? throw new JsonException("θ JSON is null");
}
