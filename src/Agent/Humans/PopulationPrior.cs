using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoopAgent.Agent.Humans;

/// <summary>One θ hypothesis with its prior probability.</summary>
public sealed record WeightedReward(
    [property: JsonPropertyName("theta")] HiddenReward Theta,
    [property: JsonPropertyName("probability")] double Probability);

/// <summary>
/// A distribution over θ across people: a finite mixture of named hypotheses with probabilities. Sampled with
/// a seed (deterministic), or enumerated as weighted hypotheses for exact Bayesian belief updates.
/// </summary>
public sealed class PopulationPrior
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Builds a prior; probabilities are normalised to sum to one.</summary>
    /// <exception cref="ArgumentException">No hypotheses, a negative or non-finite probability, or all zero.</exception>
    public PopulationPrior(IEnumerable<WeightedReward> hypotheses)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        var list = hypotheses.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("a prior needs at least one θ hypothesis", nameof(hypotheses));
        }

        if (list.Any(h => h.Probability < 0 || !double.IsFinite(h.Probability)))
        {
            throw new ArgumentException("θ probabilities must be finite and not negative", nameof(hypotheses));
        }

        var total = list.Sum(h => h.Probability);
        if (total <= 0)
        {
            throw new ArgumentException("θ probabilities sum to zero", nameof(hypotheses));
        }

        Hypotheses = list.Select(h => h with { Probability = h.Probability / total }).ToList();
    }

    /// <summary>A prior that is certain of one θ.</summary>
    public static PopulationPrior Certain(HiddenReward theta) => new([new WeightedReward(theta, 1)]);

    /// <summary>The hypotheses with normalised probabilities, in the order given.</summary>
    public IReadOnlyList<WeightedReward> Hypotheses { get; }

    /// <summary>Draws one θ; the same seed always gives the same θ.</summary>
    public HiddenReward Sample(int seed) => Sample(new Random(seed));

    /// <summary>Draws one θ from <paramref name="random"/> (inverse CDF over the hypotheses).</summary>
    public HiddenReward Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = random.NextDouble();
        var cumulative = 0.0;
        foreach (var h in Hypotheses)
        {
            cumulative += h.Probability;
            if (u < cumulative)
            {
                return h.Theta;
            }
        }

        return Hypotheses[^1].Theta;
    }

    public string ToJson() => JsonSerializer.Serialize(Hypotheses, Json);

    /// <summary>Reads a JSON array of <c>{"theta": {...}, "probability": p}</c>.</summary>
    public static PopulationPrior FromJson(string json) =>
        new(JsonSerializer.Deserialize<List<WeightedReward>>(json, Json) ?? throw new JsonException("prior JSON is null"));

    /// <summary>
    /// A small built-in population of households: most treat pets as family and keep knives from children;
    /// some are thrifty, some in a hurry, some dislike being asked anything.
    /// </summary>
    public static PopulationPrior Household { get; } = new(
    [
        new(new HiddenReward
        {
            Name = "pets-are-family",
            HardValues = new Dictionary<string, double> { ["pets_harmed"] = -1000, ["knife_to_child"] = -500, ["hot_to_child"] = -50 },
        }, 0.4),
        new(new HiddenReward
        {
            Name = "thrifty",
            Weights = new Dictionary<string, double> { ["money"] = -0.5, ["wasted"] = -3 },
            HardValues = new Dictionary<string, double> { ["pets_harmed"] = -1000, ["knife_to_child"] = -500 },
        }, 0.2),
        new(new HiddenReward
        {
            Name = "in-a-hurry",
            Weights = new Dictionary<string, double> { ["minutes"] = -0.2, ["questions"] = -1 },
            HardValues = new Dictionary<string, double> { ["pets_harmed"] = -1000, ["knife_to_child"] = -500 },
        }, 0.2),
        new(new HiddenReward
        {
            Name = "hates-questions",
            Weights = new Dictionary<string, double> { ["questions"] = -3 },
            HardValues = new Dictionary<string, double> { ["pets_harmed"] = -1000, ["knife_to_child"] = -500 },
        }, 0.2),
    ]);
}
