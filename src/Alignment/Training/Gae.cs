using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Advantages and returns (B, R) of one batch of rollouts.</summary>
/// <param name="Advantages">Raw GAE advantages Â_t (not whitened), 0 at padding.</param>
/// <param name="Returns">Â_t + V(s_t), the value target, computed before any whitening, 0 at padding.</param>
public sealed record AdvantageEstimate(Tensor Advantages, Tensor Returns)
{
    /// <summary>
    /// Generalised advantage estimation (Schulman et al. 2016, eq. 16), right to left over each response:
    /// δ_t = r_t + γ·m_{t+1}·V_{t+1} − V_t and Â_t = δ_t + γλ·m_{t+1}·Â_{t+1}, where m is the response mask.
    /// The episode ends at the last token inside the mask, so a value at a padded position never reaches
    /// a real one (m_{t+1} = 0 there) and padded outputs are zeroed: values at padding cannot change the result.
    /// </summary>
    /// <param name="rewards">(B, R) per-token rewards.</param>
    /// <param name="values">(B, R) critic values V(s_t) of the state before token t.</param>
    /// <param name="mask">(B, R) response mask, right-padded.</param>
    /// <param name="gamma">Discount γ in [0, 1].</param>
    /// <param name="lambda">GAE λ in [0, 1].</param>
    public static AdvantageEstimate Compute(Tensor rewards, Tensor values, Tensor mask, double gamma, double lambda)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(values);
        Masked.RequireResponseMask(mask, nameof(mask));
        if (!rewards.shape.SequenceEqual(mask.shape) || !values.shape.SequenceEqual(mask.shape))
        {
            throw new ArgumentException("rewards, values and mask must all be (B, R).");
        }

        if (gamma is < 0 or > 1 || lambda is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), $"γ and λ must lie in [0, 1] (got γ={gamma}, λ={lambda}).");
        }

        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var length = (int)mask.size(1);
        var maskedValues = values * mask;
        var columns = new Tensor[length];
        var nextAdvantage = torch.zeros_like(rewards[.., 0]);          // (B)
        var nextValue = torch.zeros_like(rewards[.., 0]);              // (B)
        var nextMask = torch.zeros_like(mask[.., 0]);                  // (B)
        for (var t = length - 1; t >= 0; t--)
        {
            var delta = rewards[.., t] + gamma * nextMask * nextValue - maskedValues[.., t];
            nextAdvantage = (delta + gamma * lambda * nextMask * nextAdvantage) * mask[.., t];
            columns[t] = nextAdvantage;
            nextValue = maskedValues[.., t];
            nextMask = mask[.., t];
        }

        var advantages = torch.stack(columns, dim: 1);                  // (B, R)
        var returns = (advantages + maskedValues) * mask;
        return new AdvantageEstimate(advantages.MoveToOuterDisposeScope(), returns.MoveToOuterDisposeScope());
    }
}
