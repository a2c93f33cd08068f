using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>The clipped policy objective and its diagnostics (scalars).</summary>
/// <param name="Loss">Masked mean of max(−Â·ρ, −Â·clip(ρ, 1−ε, 1+ε)); carries the gradient.</param>
/// <param name="ClipFraction">Share of response tokens where the clipped term was the active one.</param>
/// <param name="ApproxKl">k3 estimate of KL(π_old ‖ π): masked mean of (ρ − 1) − log ρ.</param>
public sealed record PolicyLossResult(Tensor Loss, Tensor ClipFraction, Tensor ApproxKl);

/// <summary>The clipped value loss and its clip fraction (scalars).</summary>
public sealed record ValueLossResult(Tensor Loss, Tensor ClipFraction);

/// <summary>PPO's two losses over response tokens; all inputs are (B, R) with a right-padded response mask.</summary>
public static class PpoLosses
{
    /// <summary>
    /// PPO-clip (Schulman et al. 2017, eq. 7), negated for minimisation: with ρ_t = exp(log π − log π_old),
    /// L = mean_t max(−Â_t ρ_t, −Â_t clip(ρ_t, 1−ε, 1+ε)). The approximate KL uses the k3 estimator of
    /// Schulman, "Approximating KL Divergence" (2020): (ρ − 1) − log ρ, unbiased and never negative.
    /// </summary>
    public static PolicyLossResult Policy(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask, double clipRange)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(oldLogProbs);
        ArgumentNullException.ThrowIfNull(advantages);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clipRange);
        using var scope = NewDisposeScope();
        var logRatio = logProbs - oldLogProbs;
        var ratio = logRatio.exp();
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.clamp(1 - clipRange, 1 + clipRange);
        var loss = Masked.Mean(torch.maximum(unclipped, clipped), mask);
        using var noGrad = torch.no_grad();
        var clipFraction = Masked.Mean(clipped.gt(unclipped).to(mask.dtype), mask);
        var approxKl = Masked.Mean(ratio - 1 - logRatio, mask);
        return new PolicyLossResult(loss.MoveToOuterDisposeScope(), clipFraction.MoveToOuterDisposeScope(), approxKl.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Clipped value loss (the PPO2 baseline, as in TRL): V_clip = V_old + clip(V − V_old, −ε_v, ε_v) and
    /// L = ½ mean_t max((V − R)², (V_clip − R)²), where R are the returns.
    /// </summary>
    public static ValueLossResult Value(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double clipRange)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(oldValues);
        ArgumentNullException.ThrowIfNull(returns);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clipRange);
        using var scope = NewDisposeScope();
        var clippedValues = oldValues + (values - oldValues).clamp(-clipRange, clipRange);
        var unclippedError = (values - returns).square();
        var clippedError = (clippedValues - returns).square();
        var loss = 0.5 * Masked.Mean(torch.maximum(unclippedError, clippedError), mask);
        using var noGrad = torch.no_grad();
        var clipFraction = Masked.Mean(clippedError.gt(unclippedError).to(mask.dtype), mask);
        return new ValueLossResult(loss.MoveToOuterDisposeScope(), clipFraction.MoveToOuterDisposeScope());
    }
}
