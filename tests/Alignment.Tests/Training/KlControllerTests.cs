using CoopAgent.Alignment.Training;

namespace CoopAgent.Alignment.Tests.Training;

public class KlControllerTests
{
    [Fact]
    public void Adaptive_kl_update_matches_the_ziegler_formula()
    {
        var controller = KlController.Adaptive(initialBeta: 0.1, target: 6, horizon: 10_000);

        // KL 9 is 50% over the target; the error is clipped to +0.2: β = 0.1·(1 + 0.2·256/10000) = 0.100512.
        controller.Update(kl: 9, samples: 256);
        Assert.Equal(0.100512, controller.Beta, 12);

        // KL 5.4 is 10% under: β = 0.100512·(1 − 0.1·256/10000) = 0.100512·0.99744 = 0.1002546893.
        controller.Update(kl: 5.4, samples: 256);
        Assert.Equal(0.100512 * 0.99744, controller.Beta, 12);
    }

    [Fact]
    public void Fixed_kl_coefficient_never_moves()
    {
        var controller = KlController.Fixed(0.05);
        controller.Update(100, 1000);
        Assert.Equal(0.05, controller.Beta);
        Assert.Null(controller.Target);
    }

    [Fact]
    public void Adaptive_controller_rejects_a_non_positive_target()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KlController.Adaptive(0.1, 0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => KlController.Adaptive(0.1, 6, 0));
    }
}
