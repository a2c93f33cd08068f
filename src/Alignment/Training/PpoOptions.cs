namespace CoopAgent.Alignment.Training;

/// <summary>Settings of <see cref="PpoTrainer"/>. Defaults follow TRL's PPO and Ziegler et al. (2019) scaled down
/// for a small model on a CPU.</summary>
/// <param name="BatchSize">Rollouts per iteration.</param>
/// <param name="MiniBatchSize">Rollouts per gradient step; must divide <paramref name="BatchSize"/>.</param>
/// <param name="Epochs">Passes over each batch of rollouts (PPO's K epochs).</param>
/// <param name="MaxNewTokens">Longest response sampled.</param>
/// <param name="Temperature">Sampling temperature, applied alike in the rollout and every training forward pass.</param>
/// <param name="ActorLearningRate">Adam step size of the policy.</param>
/// <param name="CriticLearningRate">Adam step size of the value model.</param>
/// <param name="ClipRange">ε of the clipped policy objective.</param>
/// <param name="ValueClipRange">ε_v of the clipped value loss.</param>
/// <param name="Gamma">Discount γ of GAE (1: the score at the end counts fully for every token).</param>
/// <param name="Lambda">λ of GAE.</param>
/// <param name="InitialKlCoefficient">β at the start (the per-token penalty −β(log π − log π_ref)).</param>
/// <param name="KlTarget">KL per response (nats) the adaptive controller steers to; null keeps β fixed.</param>
/// <param name="KlHorizon">Samples over which the controller applies a full ±20% correction of β.</param>
/// <param name="ReferenceUpdateRate">η of the reference moving average θ_ref ← (1−η)θ_ref + ηθ_actor; 0 keeps it frozen.</param>
/// <param name="MaxGradNorm">Gradient norm clip for both models.</param>
/// <param name="Shaping">Score normalisation, clipping and the treatment of responses with no end token.</param>
/// <param name="Seed">Seed of the sampling generator and the minibatch shuffles.</param>
/// <param name="NormalizeAdvantages">Whiten the GAE advantages over each batch (the usual PPO trick); false uses them raw
/// (the ablation of Xu et al. 2024, "Is DPO Superior to PPO for LLM Alignment?").</param>
public sealed record PpoOptions(
    int BatchSize = 32,
    int MiniBatchSize = 8,
    int Epochs = 4,
    int MaxNewTokens = 32,
    double Temperature = 1.0,
    double ActorLearningRate = 1e-4,
    double CriticLearningRate = 1e-4,
    double ClipRange = 0.2,
    double ValueClipRange = 0.2,
    double Gamma = 1.0,
    double Lambda = 0.95,
    double InitialKlCoefficient = 0.05,
    double? KlTarget = 6.0,
    double KlHorizon = 10_000,
    double ReferenceUpdateRate = 0.0,
    double MaxGradNorm = 1.0,
    ScoreShaping? Shaping = null,
    int Seed = 0,
    bool NormalizeAdvantages = true)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"invalid PpoOptions: {message}");
            }
        }

        Require(BatchSize > 0 && MiniBatchSize > 0 && BatchSize % MiniBatchSize == 0,
            $"MiniBatchSize ({MiniBatchSize}) must be positive and divide BatchSize ({BatchSize})");
        Require(Epochs > 0, $"Epochs must be positive (got {Epochs})");
        Require(MaxNewTokens > 0, $"MaxNewTokens must be positive (got {MaxNewTokens})");
        Require(Temperature > 0, $"Temperature must be positive (got {Temperature})");
        Require(ActorLearningRate > 0 && CriticLearningRate > 0, "learning rates must be positive");
        Require(ClipRange > 0 && ValueClipRange > 0, "clip ranges must be positive");
        Require(Gamma is >= 0 and <= 1 && Lambda is >= 0 and <= 1, $"γ ({Gamma}) and λ ({Lambda}) must lie in [0, 1]");
        Require(InitialKlCoefficient >= 0, $"InitialKlCoefficient must not be negative (got {InitialKlCoefficient})");
        Require(KlTarget is null or > 0 && KlHorizon > 0, "KlTarget and KlHorizon must be positive");
        Require(ReferenceUpdateRate is >= 0 and <= 1, $"ReferenceUpdateRate must lie in [0, 1] (got {ReferenceUpdateRate})");
        Require(MaxGradNorm > 0, $"MaxGradNorm must be positive (got {MaxGradNorm})");
    }
}

/// <summary>What one PPO iteration did (all means over the batch; KL in nats per response).</summary>
/// <param name="MeanScore">Mean raw score from the reward function, before shaping.</param>
/// <param name="Kl">Mean over responses of Σ_t (log π_old − log π_ref): the KL the penalty charged.</param>
/// <param name="Entropy">Mean per-token entropy of the rollout policy (nats).</param>
/// <param name="ClipFraction">Share of response tokens where the policy ratio was clipped, over all minibatch steps.</param>
/// <param name="ApproxKl">k3 estimate of KL(π_old ‖ π_new) per token, averaged over minibatch steps.</param>
/// <param name="PolicyLoss">Mean clipped policy loss.</param>
/// <param name="ValueLoss">Mean clipped value loss.</param>
/// <param name="MeanResponseLength">Mean response length in tokens, end token included.</param>
/// <param name="FinishedFraction">Share of responses that emitted the end token.</param>
/// <param name="KlCoefficient">β after this iteration's controller update.</param>
public sealed record PpoStats(
    double MeanScore,
    double Kl,
    double Entropy,
    double ClipFraction,
    double ApproxKl,
    double PolicyLoss,
    double ValueLoss,
    double MeanResponseLength,
    double FinishedFraction,
    double KlCoefficient);
