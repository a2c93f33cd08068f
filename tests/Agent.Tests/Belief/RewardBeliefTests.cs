using CoopAgent.Agent.Belief;

namespace CoopAgent.Agent.Tests.Belief;

public class RewardBeliefTests
{
    [Fact]
    public void Posterior_after_a_known_answer_matches_hand_computation()
    {
        // Prior coffee 0.5, tea 0.3, other 0.2. Question "coffee or tea?", answer "tea".
        // Boltzmann answer model with β = 1: U_coffee = (1, 0), U_tea = (0, 1), U_other = (0.5, 0.5).
        // P(tea | coffee) = e^0/(e^1+e^0) = 0.268941, P(tea | tea) = 0.731059, P(tea | other) = 0.5.
        // Mixed with ε = 0.1 over 2 answers: L' = 0.9·L + 0.05 → 0.292047, 0.707953, 0.5.
        // Unnormalised: 0.146024, 0.212386, 0.1 → Z = 0.458410 → 0.318541, 0.463310, 0.218150.
        var belief = new RewardBelief(["coffee", "tea", "other"], [0.5, 0.3, 0.2], epsilon: 0.1);
        belief.UpdateChoice([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], chosen: 1, beta: 1.0);

        Assert.Equal(0.318541, belief.Probability("coffee"), 5);
        Assert.Equal(0.463310, belief.Probability("tea"), 5);
        Assert.Equal(0.218150, belief.Probability("other"), 5);
    }

    [Fact]
    public void Uniform_mixing_keeps_the_truth_alive_after_one_contradictory_answer()
    {
        var belief = new RewardBelief(["coffee", "tea"], [0.5, 0.5], epsilon: 0.05);
        // A near-deterministic answerer (β = 50) says "tea" although the truth is coffee.
        belief.UpdateChoice([[1.0, 0.0], [0.0, 1.0]], chosen: 1, beta: 50);
        Assert.True(belief.Probability("coffee") > 0.02, belief.ToString());

        // Two honest answers afterwards bring it back on top.
        belief.UpdateChoice([[1.0, 0.0], [0.0, 1.0]], chosen: 0, beta: 50);
        belief.UpdateChoice([[1.0, 0.0], [0.0, 1.0]], chosen: 0, beta: 50);
        Assert.Equal("coffee", belief.MostLikely());
    }

    [Fact]
    public void Without_mixing_an_impossible_observation_would_zero_a_hypothesis()
    {
        // The contrast that shows why ε matters: with ε = 0 the hypothesis is gone for good.
        var belief = new RewardBelief(["a", "b"], [0.5, 0.5], epsilon: 0);
        belief.Update([0.0, 1.0], outcomeCount: 2);
        Assert.Equal(0.0, belief.Probability("a"));
        belief.Update([1.0, 0.0], outcomeCount: 2);
        Assert.Equal(0.0, belief.Probability("a"));
        Assert.Equal(1.0, belief.Probability("b"), 12);
    }

    [Fact]
    public void Entropy_is_log_n_for_uniform_and_zero_for_certain()
    {
        Assert.Equal(Math.Log(4), RewardBelief.Uniform(["a", "b", "c", "d"]).Entropy(), 12);
        var certain = new RewardBelief(["a", "b"], [1.0, 0.0]);
        Assert.Equal(0.0, certain.Entropy(), 12);
    }

    [Fact]
    public void Distribution_lists_names_most_likely_first_and_sums_to_one()
    {
        var belief = new RewardBelief(["x", "y", "z"], [1, 3, 2]);
        var distribution = belief.Distribution();
        Assert.Equal(["y", "z", "x"], distribution.Select(e => e.Name));
        Assert.Equal(1.0, distribution.Sum(e => e.Probability), 12);
        Assert.Equal(0.5, distribution[0].Probability, 12);
    }

    [Fact]
    public void Restoring_a_stored_posterior_round_trips()
    {
        var belief = new RewardBelief(["x", "y"], [1, 3]);
        var stored = belief.ToDictionary();
        var fresh = RewardBelief.Uniform(["x", "y"]);
        fresh.RestoreFrom(stored);
        Assert.Equal(0.75, fresh.Probability("y"), 12);
    }

    [Fact]
    public void Bad_priors_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new RewardBelief([], []));
        Assert.Throws<ArgumentException>(() => new RewardBelief(["a", "b"], [1.0]));
        Assert.Throws<ArgumentException>(() => new RewardBelief(["a", "b"], [1.0, -1.0]));
        Assert.Throws<ArgumentException>(() => new RewardBelief(["a", "b"], [0.0, 0.0]));
        Assert.Throws<ArgumentException>(() => new RewardBelief(["a", "b"], [1.0, double.NaN]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RewardBelief(["a", "b"], [1.0, 1.0], epsilon: 1.0));
    }

    [Fact]
    public void Bad_updates_are_refused_and_leave_the_belief_unchanged()
    {
        var belief = new RewardBelief(["a", "b"], [0.5, 0.5]);
        Assert.Throws<ArgumentException>(() => belief.Update([0.5], 2));
        Assert.Throws<ArgumentException>(() => belief.Update([0.5, 1.5], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => belief.UpdateChoice([[1.0, 0.0], [0.0, 1.0]], chosen: 2, beta: 1));
        Assert.Equal(0.5, belief.Probability("a"), 12);
        Assert.Throws<KeyNotFoundException>(() => belief.Probability("c"));
        Assert.Throws<ArgumentException>(() => new RewardBelief(["a", "a"], [1, 1]));
    }
}
