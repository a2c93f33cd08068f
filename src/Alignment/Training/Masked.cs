using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Statistics over the response tokens only. Every tensor here is (B, R) — R response
/// positions, right-padded — and <c>mask</c> is 1 on real response tokens and 0 on padding.</summary>
public static class Masked
{
    /// <summary>Σ(x·m) / Σm over the whole batch (a token-level mean, as in TRL).</summary>
    public static Tensor Mean(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return ((values * mask).sum() / mask.sum().clamp_min(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Population variance Σ(x−μ)²·m / Σm of the masked entries.</summary>
    public static Tensor Variance(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var centred = values - Mean(values, mask);
        return Mean(centred * centred, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Whitening (x−μ)/√(σ²+1e-8) with μ, σ² taken over the masked entries; padding comes out 0.
    /// Used for PPO advantages (the "advantage normalisation" of Schulman et al. 2017 / TRL).</summary>
    public static Tensor Whiten(Tensor values, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var whitened = (values - Mean(values, mask)) * torch.rsqrt(Variance(values, mask) + 1e-8);
        return (whitened * mask).MoveToOuterDisposeScope();
    }

    /// <summary>Checks that <paramref name="mask"/> is (B, R), 0/1, right-padded (a prefix of ones per row) and
    /// that every row holds at least one token: the conventions the PPO maths relies on.</summary>
    public static void RequireResponseMask(Tensor mask, string paramName)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.dim() != 2)
        {
            throw new ArgumentException($"the response mask must be (B, R), got shape [{string.Join(", ", mask.shape)}].", paramName);
        }

        using var scope = NewDisposeScope();
        if (mask.lt(0).any().item<bool>() || mask.gt(1).any().item<bool>())
        {
            throw new ArgumentException("the response mask must hold only 0 and 1.", paramName);
        }

        if (mask[.., 0].eq(0).any().item<bool>())
        {
            throw new ArgumentException("every response needs at least one token (mask[:, 0] must be 1).", paramName);
        }

        if (mask.size(1) > 1 && mask[.., 1..].gt(mask[.., ..^1]).any().item<bool>())
        {
            throw new ArgumentException("the response mask must be right-padded: ones first, then zeros.", paramName);
        }
    }
}
