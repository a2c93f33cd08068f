namespace CoopAgent.Alignment.Training;

/// <summary>Settings of next-token pretraining on a corpus of texts.</summary>
/// <param name="LearningRate">Peak AdamW step size.</param>
/// <param name="BatchSize">Windows per step.</param>
/// <param name="Steps">Optimizer steps.</param>
/// <param name="Seed">Seeds window order and dropout.</param>
/// <param name="GradientClip">Largest global gradient norm.</param>
/// <param name="WarmupSteps">Steps of linear warm-up before the cosine decay.</param>
/// <param name="WeightDecay">AdamW decay on weight matrices.</param>
public sealed record PretrainOptions(
    double LearningRate = 1e-3,
    int BatchSize = 16,
    int Steps = 1000,
    int Seed = 1,
    double GradientClip = 1.0,
    int WarmupSteps = 50,
    double WeightDecay = 0.1)
{
    internal void Validate()
    {
        if (!(LearningRate > 0) || BatchSize <= 0 || Steps <= 0 || !(GradientClip > 0) || WarmupSteps < 0 || WeightDecay < 0)
        {
            throw new ArgumentException($"invalid PretrainOptions {this}: learning rate, batch size, steps and gradient clip must be positive; warm-up and weight decay not negative.");
        }
    }
}
