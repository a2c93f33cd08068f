using CoopAgent.Alignment.Training;
using TorchSharp;
using static CoopAgent.Alignment.Tests.Training.TensorAssert;

namespace CoopAgent.Alignment.Tests.Training;

public class PpoLossesTests
{
    [Fact]
    public void Clipped_policy_loss_matches_hand_computed_values()
    {
        // Ratios ρ = 1.5, 0.5, 1.1 on three real tokens, ε = 0.2; the fourth position is padding.
        var oldLogProbs = Rows([0f, 0f, 0f, 0f]);
        var logProbs = Rows([(float)Math.Log(1.5), (float)Math.Log(0.5), (float)Math.Log(1.1), 9f]);
        var advantages = Rows([1f, -2f, 2f, 5f]);
        var mask = Rows([1f, 1f, 1f, 0f]);

        var result = PpoLosses.Policy(logProbs, oldLogProbs, advantages, mask, clipRange: 0.2);

        // t0: A = 1,  max(−1.5, −1·1.2) = −1.2   (clipped term active)
        // t1: A = −2, max(1.0, 2·0.8)   = 1.6    (clipped term active)
        // t2: A = 2,  max(−2.2, −2.2)   = −2.2   (inside the range: not clipped)
        // loss = (−1.2 + 1.6 − 2.2)/3 = −0.6; clip fraction = 2/3
        Close(-0.6, result.Loss);
        Close(2.0 / 3.0, result.ClipFraction);
        // k3 = (ρ − 1) − log ρ: 0.5 − 0.4054651, −0.5 + 0.6931472, 0.1 − 0.0953102 → mean 0.0974573
        Close(0.0974573, result.ApproxKl);
    }

    [Fact]
    public void Clipped_value_loss_matches_hand_computed_values()
    {
        var values = Rows([1.0f, 0.0f, 0.6f, 4f]);
        var oldValues = Rows([0.5f, 0.5f, 0.5f, 0f]);
        var returns = Rows([2.0f, 0.0f, 1.0f, 0f]);
        var mask = Rows([1f, 1f, 1f, 0f]);

        var result = PpoLosses.Value(values, oldValues, returns, mask, clipRange: 0.2);

        // t0: V_clip = 0.5 + 0.2 = 0.7: max((1 − 2)², (0.7 − 2)²) = max(1, 1.69) = 1.69  (clipped)
        // t1: V_clip = 0.5 − 0.2 = 0.3: max(0², 0.3²)           = 0.09                 (clipped)
        // t2: V_clip = 0.6 (inside):    (0.6 − 1)²               = 0.16
        // loss = ½·(1.69 + 0.09 + 0.16)/3 = 0.3233333; clip fraction = 2/3
        Close(0.3233333, result.Loss);
        Close(2.0 / 3.0, result.ClipFraction);
    }

    [Fact]
    public void Policy_loss_gradient_vanishes_where_the_ratio_is_clipped()
    {
        var logProbs = Rows([(float)Math.Log(1.5), 0f]).requires_grad_();
        var result = PpoLosses.Policy(logProbs, Rows([0f, 0f]), Rows([1f, 1f]), Rows([1f, 1f]), 0.2);
        result.Loss.backward();
        // t0 is clipped (ρ = 1.5 > 1.2, A > 0): no gradient. t1: d/dlogπ of −A·ρ/2 at ρ = 1 is −0.5.
        Close([0, -0.5], logProbs.grad!.flatten());
    }

    [Fact]
    public void Losses_reject_a_non_positive_clip_range()
    {
        var x = Rows([0f]);
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoLosses.Policy(x, x, x, Rows([1f]), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoLosses.Value(x, x, x, Rows([1f]), -1));
    }
}
