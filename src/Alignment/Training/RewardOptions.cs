namespace CoopAgent.Alignment.Training;

/// <summary>Settings of <see cref="RewardTrainer"/>.</summary>
/// <param name="BatchSize">Rankings per gradient step (each ranking brings all its pairs).</param>
/// <param name="Epochs">Passes over the training rankings in <see cref="RewardTrainer.Train"/>.</param>
/// <param name="LearningRate">AdamW step size.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="Margin">Score gap strict pairs are asked for (0: plain Bradley–Terry).</param>
/// <param name="MaxGradNorm">Gradient norm clip.</param>
/// <param name="Seed">Seed of the shuffles.</param>
public sealed record RewardOptions(
    int BatchSize = 8,
    int Epochs = 4,
    double LearningRate = 1e-4,
    double WeightDecay = 0.0,
    double Margin = 0.0,
    double MaxGradNorm = 1.0,
    int Seed = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (BatchSize <= 0 || Epochs <= 0)
        {
            throw new ArgumentException($"invalid RewardOptions: BatchSize ({BatchSize}) and Epochs ({Epochs}) must be positive.");
        }

        if (!(LearningRate > 0) || WeightDecay < 0 || Margin < 0 || !(MaxGradNorm > 0))
        {
            throw new ArgumentException("invalid RewardOptions: LearningRate and MaxGradNorm must be positive, WeightDecay and Margin not negative.");
        }
    }
}

/// <summary>Loss and pairwise accuracy (strict pairs) of one step or one epoch.</summary>
public sealed record RewardStepStats(double Loss, double Accuracy);
