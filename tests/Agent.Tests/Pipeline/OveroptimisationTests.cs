using CoopAgent.Agent.Pipeline;

namespace CoopAgent.Agent.Tests.Pipeline;

public class OveroptimisationTests
{
    [Fact]
    public void Proxy_up_and_gold_down_over_three_evaluations_is_overoptimisation()
    {
        Assert.True(TrainingPipeline.Overoptimising([(1.8, 5.3), (2.2, 4.0), (2.6, -13.0)]));
    }

    [Fact]
    public void A_wobble_in_gold_or_gold_rising_with_the_proxy_is_not()
    {
        // The shipped run's evaluations 8 → 12: the proxy rose while gold moved by three thousandths.
        Assert.False(TrainingPipeline.Overoptimising([(0.027, 5.674), (0.017, 5.673), (0.164, 5.671)]));
        Assert.False(TrainingPipeline.Overoptimising([(0.1, 5.0), (0.2, 5.5), (0.3, 6.0)]));
        Assert.False(TrainingPipeline.Overoptimising([(0.1, 5.0), (0.3, 4.0)]));
    }
}
