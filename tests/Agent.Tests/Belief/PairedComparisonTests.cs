using CoopAgent.Agent.Belief;

namespace CoopAgent.Agent.Tests.Belief;

public class PairedComparisonTests
{
    // Two hypotheses, three options; under "a" option 0 is best, under "b" option 1 is.
    private static readonly IReadOnlyList<IReadOnlyList<double>> Utilities = [[2.0, 0.0, 1.0], [0.0, 2.0, 1.0]];

    [Fact]
    public void A_strict_pair_multiplies_in_the_bradley_terry_likelihood_with_uniform_mixing()
    {
        var belief = RewardBelief.Uniform(["a", "b"], epsilon: 0.1);
        belief.UpdatePairs(Utilities, [new OptionPair(0, 1)], beta: 1);

        // P(0 ≻ 1 | a) = σ(2), P(0 ≻ 1 | b) = σ(−2); each mixed with ε/3.
        static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
        var la = (0.9 * Sigmoid(2)) + (0.1 / 3);
        var lb = (0.9 * Sigmoid(-2)) + (0.1 / 3);
        Assert.Equal(la / (la + lb), belief.Probability("a"), 12);
    }

    [Fact]
    public void A_tie_favours_the_hypothesis_that_values_the_two_alike()
    {
        var belief = RewardBelief.Uniform(["a", "b", "c"], epsilon: 0.05);
        // Under "c" options 0 and 1 are worth the same; under "a" and "b" they differ by 2.
        belief.UpdatePairs([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]], [new OptionPair(0, 1, Tie: true)], beta: 1);
        Assert.Equal("c", belief.MostLikely());
        Assert.Equal(belief.Probability("a"), belief.Probability("b"), 12);
    }

    [Fact]
    public void Bad_pairs_are_refused_and_no_pairs_change_nothing()
    {
        var belief = RewardBelief.Uniform(["a", "b"]);
        Assert.Throws<ArgumentException>(() => belief.UpdatePairs(Utilities, [new OptionPair(0, 0)], 1));
        Assert.Throws<ArgumentException>(() => belief.UpdatePairs(Utilities, [new OptionPair(0, 3)], 1));
        Assert.Throws<ArgumentException>(() => belief.UpdatePairs([[1.0, 2.0]], [new OptionPair(0, 1)], 1));
        belief.UpdatePairs(Utilities, [], 1);
        Assert.Equal(0.5, belief.Probability("a"), 12);
    }
}
