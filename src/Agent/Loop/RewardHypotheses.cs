using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// The θ hypotheses an episode's belief ranges over: the prior's named hypotheses plus an explicit
/// "none of these" hypothesis, <see cref="OtherName"/>: a broad θ with no item preferences whose feature
/// weights are the population's average (so it fears what the population fears, on average, but wants no
/// item in particular). Names are stable, so a stored posterior maps back onto them.
/// </summary>
public sealed class RewardHypotheses
{
    /// <summary>The name of the "none of these / other" hypothesis.</summary>
    public const string OtherName = "other";

    private RewardHypotheses(IReadOnlyList<ScenarioHypothesis> items, IReadOnlyList<double> prior)
    {
        Items = items;
        Thetas = items.Select(i => i.Theta).ToList();
        Prior = prior;
    }

    /// <summary>The hypotheses as the scenario's judge takes them, <see cref="OtherName"/> last (it keeps the
    /// scenario's own success conditions).</summary>
    public IReadOnlyList<ScenarioHypothesis> Items { get; }

    /// <summary>θ per hypothesis, <see cref="OtherName"/> last.</summary>
    public IReadOnlyList<HiddenReward> Thetas { get; }

    /// <summary>Prior probability per hypothesis (sums to 1).</summary>
    public IReadOnlyList<double> Prior { get; }

    public IReadOnlyList<string> Names => Thetas.Select(t => t.Name).ToList();

    public int Count => Thetas.Count;

    /// <summary>The given hypotheses scaled by (1 − <paramref name="otherMass"/>), then "other" with
    /// <paramref name="otherMass"/>. Duplicate names are merged (probabilities added).</summary>
    public static RewardHypotheses From(IReadOnlyList<ScenarioHypothesis> hypotheses, double otherMass = 0.05)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        if (otherMass is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(otherMass), otherMass, "the other hypothesis needs a mass in (0, 1)");
        }

        var merged = hypotheses
            .Where(h => h.Name != OtherName)
            .GroupBy(h => h.Name, StringComparer.Ordinal)
            .Select(g => g.First() with { Probability = g.Sum(h => h.Probability) })
            .ToList();
        var total = merged.Sum(h => h.Probability);
        var population = new PopulationPrior(merged.Count > 0 && total > 0
            ? merged.Select(h => new WeightedReward(h.Theta, h.Probability))
            : [new WeightedReward(new HiddenReward(), 1)]);
        var items = merged.Append(new ScenarioHypothesis(Other(population), otherMass, null, null)).ToList();
        var probabilities = merged.Select(h => total > 0 ? h.Probability / total * (1 - otherMass) : 0).Append(otherMass).ToList();
        return new RewardHypotheses(items, probabilities);
    }

    /// <summary>Hypotheses from a population prior (no success conditions of their own).</summary>
    public static RewardHypotheses From(PopulationPrior prior, double otherMass = 0.05)
    {
        ArgumentNullException.ThrowIfNull(prior);
        return From(prior.Hypotheses.Select(h => new ScenarioHypothesis(h.Theta, h.Probability, null, null)).ToList(), otherMass);
    }

    /// <summary>A fresh belief over these hypotheses (the prior, or the user's stored posterior when given).</summary>
    public RewardBelief NewBelief(double epsilon, BeliefSnapshot? remembered)
    {
        var belief = new RewardBelief(Names, Prior, epsilon);
        if (remembered is not null)
        {
            belief.RestoreFrom(remembered.Probabilities);
        }

        return belief;
    }

    /// <summary>θ_h's utility of an outcome, for every hypothesis h.</summary>
    public double[] Utilities(Outcome outcome, Ontology ontology) => Thetas.Select(t => t.Utility(outcome, ontology)).ToArray();

    private static HiddenReward Other(PopulationPrior prior)
    {
        // Population-average values: E_prior[w_f + h_f] for every feature any hypothesis weighs.
        var features = prior.Hypotheses.SelectMany(h => h.Theta.Weights.Keys.Concat(h.Theta.HardValues.Keys))
            .Concat(HiddenReward.DefaultWeights.Keys).Distinct(StringComparer.Ordinal);
        var weights = features.ToDictionary(f => f, f => prior.Hypotheses.Sum(h => h.Probability * h.Theta.Weight(f)), StringComparer.Ordinal);
        return new HiddenReward { Name = OtherName, Weights = weights };
    }
}
