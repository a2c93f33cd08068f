using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Per-token rewards (B, R) and the per-token KL estimate they were built from.</summary>
/// <param name="Rewards">−β·(log π − log π_ref) on every response token, plus the score on the last one.</param>
/// <param name="Kl">log π − log π_ref on response tokens, 0 at padding.</param>
public sealed record TokenRewards(Tensor Rewards, Tensor Kl)
{
    /// <summary>
    /// Builds the PPO reward of Ziegler et al. (2019, eq. 2) / Ouyang et al. (2022, eq. 2) token by token:
    /// r_t = −β (log π(a_t|s_t) − log π_ref(a_t|s_t)) for every response token t inside the mask, and the
    /// sequence score is added on the last token inside the mask — the action that emits the end token
    /// (or the last action taken, for a response cut off at the length limit). Padding gets 0.
    /// </summary>
    /// <param name="scores">(B) sequence scores, already shaped (see <see cref="ScoreShaping"/>).</param>
    /// <param name="logProbs">(B, R) log π of the sampled response tokens.</param>
    /// <param name="referenceLogProbs">(B, R) log π_ref of the same tokens.</param>
    /// <param name="mask">(B, R) response mask, right-padded.</param>
    /// <param name="beta">KL coefficient β ≥ 0.</param>
    public static TokenRewards Compute(Tensor scores, Tensor logProbs, Tensor referenceLogProbs, Tensor mask, double beta)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(referenceLogProbs);
        Masked.RequireResponseMask(mask, nameof(mask));
        ArgumentOutOfRangeException.ThrowIfNegative(beta);
        if (!logProbs.shape.SequenceEqual(mask.shape) || !referenceLogProbs.shape.SequenceEqual(mask.shape))
        {
            throw new ArgumentException("logProbs, referenceLogProbs and mask must all be (B, R).");
        }

        if (scores.dim() != 1 || scores.size(0) != mask.size(0))
        {
            throw new ArgumentException($"scores must be (B) with B = {mask.size(0)}.", nameof(scores));
        }

        using var scope = NewDisposeScope();
        var kl = (logProbs - referenceLogProbs) * mask;                 // (B, R)
        var rewards = -beta * kl;                                       // (B, R)
        var last = mask.sum(1).to(ScalarType.Int64) - 1;                // (B) index of the end-token action
        rewards = rewards.scatter_add(1, last.unsqueeze(1), scores.to(rewards.dtype).unsqueeze(1));
        return new TokenRewards(rewards.MoveToOuterDisposeScope(), kl.MoveToOuterDisposeScope());
    }
}
