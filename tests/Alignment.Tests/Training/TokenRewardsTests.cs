using CoopAgent.Alignment.Training;
using TorchSharp;
using static CoopAgent.Alignment.Tests.Training.TensorAssert;

namespace CoopAgent.Alignment.Tests.Training;

public class TokenRewardsTests
{
    [Fact]
    public void Score_lands_on_the_end_token_action_and_kl_is_zero_at_padding()
    {
        var logProbs = Rows([-1f, -2f, -0.5f], [-1f, -1f, -3f]);
        var referenceLogProbs = Rows([-1.5f, -1f, -0.5f], [-1f, -2f, -1f]);
        var mask = Rows([1f, 1f, 1f], [1f, 1f, 0f]);
        var scores = torch.tensor(new[] { 2f, 3f });

        var result = TokenRewards.Compute(scores, logProbs, referenceLogProbs, mask, beta: 0.1);

        // KL per token = log π − log π_ref: row 0 → 0.5, −1, 0; row 1 → 0, 1, and 0 at the padding (not −3 − (−1)).
        Close([0.5, -1, 0, 0, 1, 0], result.Kl.flatten());
        // Rewards = −0.1·KL, plus the score on the last real token: row 0 → −0.05, 0.1, 0 + 2; row 1 → 0, −0.1 + 3, 0.
        Close([-0.05, 0.1, 2, 0, 2.9, 0], result.Rewards.flatten());
    }

    [Fact]
    public void Token_rewards_reject_mismatched_shapes_and_negative_beta()
    {
        var logProbs = Rows([-1f, -1f]);
        var mask = Rows([1f, 1f]);
        Assert.Throws<ArgumentException>(() => TokenRewards.Compute(torch.tensor(new[] { 1f, 2f }), logProbs, logProbs, mask, 0.1));
        Assert.Throws<ArgumentException>(() => TokenRewards.Compute(torch.tensor(new[] { 1f }), Rows([-1f, -1f, -1f]), logProbs, mask, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenRewards.Compute(torch.tensor(new[] { 1f }), logProbs, logProbs, mask, -0.1));
    }

    [Fact]
    public void Responses_without_an_end_token_get_the_fixed_penalty_and_the_rest_are_normalised_and_clipped()
    {
        var shaping = new ScoreShaping(Normalize: true, Clip: 0.5, MissingEndTokenScore: -1);
        var moments = new RunningMoments();

        var shaped = shaping.Apply([1.0, 3.0, 10.0], [true, true, false], moments);

        // Only the finished responses (1 and 3) enter the statistics: μ = 2, σ = 1, so they normalise to −1 and 1,
        // which the clip turns into −0.5 and 0.5; the cut-off response gets the penalty −1 whatever it scored (10).
        Assert.Equal([-0.5, 0.5, -1.0], shaped);
        Assert.Equal(2, moments.Count);
    }

    [Fact]
    public void Without_a_penalty_truncated_responses_keep_their_score()
    {
        var shaped = new ScoreShaping(MissingEndTokenScore: null).Apply([0.25, 0.75], [true, false], new RunningMoments());
        Assert.Equal([0.25, 0.75], shaped);
    }

    [Fact]
    public void Running_moments_merge_batches_exactly()
    {
        var moments = new RunningMoments();
        moments.Update([1.0, 3.0]);
        moments.Update([5.0]);
        // All three values: mean 3, population variance ((1−3)² + 0 + (5−3)²)/3 = 8/3.
        Assert.Equal(3.0, moments.Mean, 12);
        Assert.Equal(Math.Sqrt(8.0 / 3.0), moments.StandardDeviation, 12);
    }
}
