namespace CoopAgent.Alignment.Training;

/// <summary>Settings of <see cref="DpoTrainer"/>.</summary>
/// <param name="Beta">β of DPO: how far the implicit reward may pull the policy from the reference.</param>
/// <param name="BatchSize">Preference pairs per gradient step.</param>
/// <param name="Epochs">Passes over the pairs in <see cref="DpoTrainer.Train"/>.</param>
/// <param name="LearningRate">Adam step size.</param>
/// <param name="MaxGradNorm">Gradient norm clip.</param>
/// <param name="Seed">Seed of the shuffles.</param>
public sealed record DpoOptions(
    double Beta = 0.1,
    int BatchSize = 8,
    int Epochs = 1,
    double LearningRate = 1e-5,
    double MaxGradNorm = 1.0,
    int Seed = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (!(Beta > 0) || !(LearningRate > 0) || !(MaxGradNorm > 0))
        {
            throw new ArgumentException($"invalid DpoOptions: Beta ({Beta}), LearningRate ({LearningRate}) and MaxGradNorm ({MaxGradNorm}) must be positive.");
        }

        if (BatchSize <= 0 || Epochs <= 0)
        {
            throw new ArgumentException($"invalid DpoOptions: BatchSize ({BatchSize}) and Epochs ({Epochs}) must be positive.");
        }
    }
}

/// <summary>What one DPO step (or one epoch, averaged) measured.</summary>
/// <param name="Loss">The DPO loss.</param>
/// <param name="Margin">Mean implicit reward margin β[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)].</param>
/// <param name="Accuracy">Share of pairs whose chosen response has the larger implicit reward.</param>
/// <param name="ChosenReward">Mean implicit reward of the chosen responses.</param>
/// <param name="RejectedReward">Mean implicit reward of the rejected responses.</param>
public sealed record DpoStepStats(double Loss, double Margin, double Accuracy, double ChosenReward, double RejectedReward);
