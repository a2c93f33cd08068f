using CoopAgent.Alignment.Training;
using static CoopAgent.Alignment.Tests.Training.TensorAssert;

namespace CoopAgent.Alignment.Tests.Training;

public class GaeTests
{
    [Fact]
    public void Gae_matches_hand_computed_values()
    {
        // Row 0: γ = 0.9, λ = 0.95, three tokens. Row 1: two tokens then padding.
        var rewards = Rows([0f, 0f, 1f], [0.5f, 1f, 0f]);
        var values = Rows([0.5f, 0.5f, 0.5f], [1f, 2f, 7f]);
        var mask = Rows([1f, 1f, 1f], [1f, 1f, 0f]);

        var estimate = AdvantageEstimate.Compute(rewards, values, mask, gamma: 0.9, lambda: 0.95);

        // Row 0, right to left (the episode ends after t = 2, so V_3 = 0):
        //   δ2 = 1 + 0 − 0.5 = 0.5                 Â2 = 0.5
        //   δ1 = 0 + 0.9·0.5 − 0.5 = −0.05         Â1 = −0.05 + 0.855·0.5 = 0.3775
        //   δ0 = 0 + 0.9·0.5 − 0.5 = −0.05         Â0 = −0.05 + 0.855·0.3775 = 0.2727625
        // Row 1 (t = 2 is padding, so the episode ends after t = 1):
        //   δ1 = 1 + 0 − 2 = −1                    Â1 = −1
        //   δ0 = 0.5 + 0.9·2 − 1 = 1.3             Â0 = 1.3 + 0.855·(−1) = 0.445
        Close([0.2727625, 0.3775, 0.5, 0.445, -1, 0], estimate.Advantages.flatten());
        // Returns = Â + V on real tokens: 0.7727625, 0.8775, 1.0 and 1.445, 1.0; padding 0.
        Close([0.7727625, 0.8775, 1.0, 1.445, 1.0, 0], estimate.Returns.flatten());
    }

    [Fact]
    public void Gae_is_unchanged_when_values_and_rewards_at_padding_change()
    {
        var mask = Rows([1f, 1f, 0f, 0f], [1f, 0f, 0f, 0f]);
        var rewards = Rows([0.3f, 1f, 0f, 0f], [2f, 0f, 0f, 0f]);
        var values = Rows([0.1f, 0.4f, 0f, 0f], [0.7f, 0f, 0f, 0f]);
        var garbage = Rows([0f, 0f, 50f, -9f], [0f, 123f, -4f, 8f]);

        var clean = AdvantageEstimate.Compute(rewards, values, mask, 0.99, 0.9);
        var noisy = AdvantageEstimate.Compute(rewards + garbage, values + garbage, mask, 0.99, 0.9);

        Assert.Equal(clean.Advantages.data<float>().ToArray(), noisy.Advantages.data<float>().ToArray());
        Assert.Equal(clean.Returns.data<float>().ToArray(), noisy.Returns.data<float>().ToArray());
    }

    [Fact]
    public void Gae_rejects_a_mask_with_holes_and_out_of_range_lambda()
    {
        var rewards = Rows([0f, 0f, 0f]);
        Assert.Throws<ArgumentException>(() => AdvantageEstimate.Compute(rewards, rewards, Rows([1f, 0f, 1f]), 1, 1));
        Assert.Throws<ArgumentException>(() => AdvantageEstimate.Compute(rewards, rewards, Rows([0f, 0f, 0f]), 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdvantageEstimate.Compute(rewards, rewards, Rows([1f, 1f, 1f]), 1, 1.5));
    }

    [Fact]
    public void Whitening_uses_masked_statistics_and_zeroes_padding()
    {
        // Real entries 1, 2, 3: μ = 2, σ² = (1 + 0 + 1)/3 = 2/3, so (x − 2)/√(2/3) = −1.2247449, 0, 1.2247449.
        var whitened = Masked.Whiten(Rows([1f, 2f, 3f, 100f]), Rows([1f, 1f, 1f, 0f]));
        Close([-1.2247449, 0, 1.2247449, 0], whitened.flatten());
    }
}
