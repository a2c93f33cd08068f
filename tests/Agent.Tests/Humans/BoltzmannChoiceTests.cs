using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Tests.Humans;

public class BoltzmannChoiceTests
{
    [Fact]
    public void Infinite_rationality_always_picks_the_best_option()
    {
        var random = new Random(7);
        double[] utilities = [1.0, 3.0, 2.9, -50.0];
        for (var i = 0; i < 2_000; i++)
        {
            Assert.Equal(1, BoltzmannChoice.Sample(utilities, double.PositiveInfinity, random));
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void Choice_frequencies_match_the_softmax_at_a_given_rationality(double beta)
    {
        var random = new Random(12345);
        double[] utilities = [0.0, 1.0, 1.5];
        const int draws = 20_000;
        var counts = new int[utilities.Length];
        for (var i = 0; i < draws; i++)
        {
            counts[BoltzmannChoice.Sample(utilities, beta, random)]++;
        }

        // p_i = exp(β u_i) / Σ exp(β u_j), computed by hand here rather than through the class under test.
        var z = utilities.Sum(u => Math.Exp(beta * u));
        for (var i = 0; i < utilities.Length; i++)
        {
            var expected = Math.Exp(beta * utilities[i]) / z;
            var observed = counts[i] / (double)draws;
            // 4 standard errors of a binomial proportion: fails by chance about once in 15 000 runs, and
            // the seed is fixed so it either always passes or always fails.
            var tolerance = 4 * Math.Sqrt(expected * (1 - expected) / draws);
            Assert.InRange(observed, expected - tolerance, expected + tolerance);
        }
    }

    [Fact]
    public void Zero_rationality_chooses_uniformly()
    {
        var p = BoltzmannChoice.Probabilities([10.0, -10.0, 0.0, 5.0], 0);
        Assert.All(p, x => Assert.Equal(0.25, x, 12));
    }

    [Fact]
    public void Huge_utilities_do_not_overflow()
    {
        var p = BoltzmannChoice.Probabilities([1000.0, 999.0, -1000.0], 10);
        Assert.All(p, x => Assert.False(double.IsNaN(x)));
        Assert.Equal(1.0, p.Sum(), 12);
        Assert.True(p[0] > 0.99);
    }

    [Fact]
    public void Negative_rationality_and_empty_options_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BoltzmannChoice.Probabilities([1.0], -1));
        Assert.Throws<ArgumentException>(() => BoltzmannChoice.Probabilities([], 1));
    }

    [Fact]
    public void Ranking_gives_tied_options_the_same_rank()
    {
        var ranks = BoltzmannChoice.Rank([2.0, 5.0, 2.0000001, -1.0, 5.0], tolerance: 1e-3);
        Assert.Equal([1, 0, 1, 2, 0], ranks);
    }

    [Fact]
    public void Near_best_lists_every_option_within_the_tolerance()
    {
        Assert.Equal([0, 2], BoltzmannChoice.NearBest([1.0, 0.5, 0.95], 0.1));
    }
}
