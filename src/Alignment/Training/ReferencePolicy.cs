using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>The reference policy of PPO and DPO: a frozen copy of the starting policy, optionally moved as a moving
/// average of the actor, θ_ref ← (1 − η)·θ_ref + η·θ_actor.</summary>
public static class ReferencePolicy
{
    /// <summary>A copy of <paramref name="policy"/>'s weights in a new module on the same device, in eval mode and
    /// without gradients.</summary>
    public static Gpt FrozenCopy(Gpt policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var copy = new Gpt(policy.Config);
        copy.to(policy.parameters().First().device);
        copy.load_state_dict(policy.state_dict());
        foreach (var parameter in copy.parameters())
        {
            parameter.requires_grad = false;
        }

        copy.eval();
        return copy;
    }

    /// <summary>
    /// Moves every parameter of <paramref name="reference"/> towards the same-named parameter of <paramref name="actor"/>.
    /// η = 0 returns before touching anything, so a frozen reference stays bit-for-bit the same; η = 1 copies.
    /// Only parameters move: buffers (masks, position tables) are constants of the architecture.
    /// </summary>
    public static void MoveTowards(nn.Module reference, nn.Module actor, double eta)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(actor);
        if (eta is < 0 or > 1 || double.IsNaN(eta))
        {
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "the reference moving-average rate η must lie in [0, 1].");
        }

        if (eta == 0)
        {
            return;
        }

        var actorParameters = actor.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in reference.named_parameters())
        {
            if (!actorParameters.TryGetValue(name, out var source) || !source.shape.SequenceEqual(parameter.shape))
            {
                throw new ArgumentException($"the actor has no parameter '{name}' of shape [{string.Join(", ", parameter.shape)}]; reference and actor must share one architecture.", nameof(actor));
            }

            parameter.mul_(1 - eta).add_(source, alpha: eta);
        }
    }
}
