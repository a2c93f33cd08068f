using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Loop;

/// <summary>
/// How a person answers "which of these?", the same family the simulated humans use
/// (<see cref="SimulatedHuman"/> with <see cref="HumanOptions"/>): when every option lies within the tie
/// tolerance of the best, "I don't mind"; otherwise option k with probability exp(β·U_θ(k)) / Σ_j exp(β·U_θ(j)).
/// Responses are indexed 0..m−1 for the options and m for "I don't mind".
/// </summary>
public sealed class AnswerModel(HumanOptions person)
{
    public HumanOptions Person { get; } = person ?? throw new ArgumentNullException(nameof(person));

    /// <summary>P(response | θ) for the m options and "I don't mind" (m + 1 numbers summing to 1).</summary>
    public double[] Likelihoods(IReadOnlyList<double> optionUtilities)
    {
        ArgumentNullException.ThrowIfNull(optionUtilities);
        var m = optionUtilities.Count;
        var result = new double[m + 1];
        if (BoltzmannChoice.NearBest(optionUtilities, Person.TieTolerance).Count == m)
        {
            result[m] = 1;
            return result;
        }

        BoltzmannChoice.Probabilities(optionUtilities, Person.Rationality).CopyTo(result, 0);
        return result;
    }

    /// <summary>A question offering <paramref name="options"/>, with P(response | θ_h) from
    /// <c>utilities[h][k]</c> = θ_h's utility of option k, each mixed with the belief's uniform term so that
    /// the value of information is computed with the same likelihood the update will use.</summary>
    public Probe Question(string text, double cost, IReadOnlyList<string> options, IReadOnlyList<IReadOnlyList<double>> utilities, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(utilities);
        var responses = options.Append("I don't mind").ToList();
        var perHypothesis = utilities.Select(row => Mix(Likelihoods(row), epsilon)).ToList();
        var likelihood = Enumerable.Range(0, responses.Count)
            .Select(r => (IReadOnlyList<double>)perHypothesis.Select(h => h[r]).ToArray())
            .ToList();
        return new Probe(ProbeKind.Question, text, cost, responses, likelihood);
    }

    /// <summary>(1 − ε)·L + ε/|R|, the mixing <see cref="RewardBelief.Update"/> applies.</summary>
    public static double[] Mix(IReadOnlyList<double> likelihood, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(likelihood);
        return likelihood.Select(l => ((1 - epsilon) * l) + (epsilon / likelihood.Count)).ToArray();
    }
}
