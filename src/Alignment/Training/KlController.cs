namespace CoopAgent.Alignment.Training;

/// <summary>
/// The KL coefficient β of the per-token penalty. Fixed, or adaptive as in Ziegler et al. (2019, §2.2):
/// e_t = clip((KL_t − KL_target) / KL_target, −0.2, 0.2) and β ← β·(1 + K_β·e_t) with K_β = n_steps / horizon,
/// where KL_t is the mean over the batch of each response's summed per-token KL.
/// </summary>
public sealed class KlController
{
    private const double ProportionalClip = 0.2;

    private KlController(double beta, double? target, double horizon)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(beta);
        if (target is <= 0 || (target is not null && horizon <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(target), $"the KL target and horizon must be positive (got {target}, {horizon}).");
        }

        Beta = beta;
        Target = target;
        Horizon = horizon;
    }

    /// <summary>The current coefficient β.</summary>
    public double Beta { get; private set; }

    /// <summary>The KL (nats per response) the adaptive controller steers towards; null when β is fixed.</summary>
    public double? Target { get; }

    /// <summary>Samples over which a full ±20% correction of β is applied.</summary>
    public double Horizon { get; }

    public static KlController Fixed(double beta) => new(beta, null, 1);

    public static KlController Adaptive(double initialBeta, double target, double horizon) => new(initialBeta, target, horizon);

    /// <summary>Applies one update after a batch of <paramref name="samples"/> rollouts whose mean KL was <paramref name="kl"/>.</summary>
    public void Update(double kl, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(samples);
        if (Target is not { } target || !double.IsFinite(kl))
        {
            return;
        }

        var error = Math.Clamp((kl - target) / target, -ProportionalClip, ProportionalClip);
        Beta *= 1 + (error * samples / Horizon);
    }
}
