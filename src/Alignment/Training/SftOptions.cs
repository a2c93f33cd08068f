namespace CoopAgent.Alignment.Training;

/// <summary>Settings of supervised fine-tuning on prompt/response pairs.</summary>
/// <param name="LearningRate">Peak AdamW step size.</param>
/// <param name="BatchSize">Examples per step.</param>
/// <param name="Epochs">Passes over the examples (steps = epochs × ⌈examples / batch⌉).</param>
/// <param name="Seed">Seeds example order and dropout.</param>
/// <param name="GradientClip">Largest global gradient norm.</param>
/// <param name="WarmupSteps">Steps of linear warm-up before the cosine decay.</param>
/// <param name="WeightDecay">AdamW decay on weight matrices.</param>
public sealed record SftOptions(
    double LearningRate = 5e-4,
    int BatchSize = 16,
    int Epochs = 3,
    int Seed = 1,
    double GradientClip = 1.0,
    int WarmupSteps = 20,
    double WeightDecay = 0.0)
{
    internal void Validate()
    {
        if (!(LearningRate > 0) || BatchSize <= 0 || Epochs <= 0 || !(GradientClip > 0) || WarmupSteps < 0 || WeightDecay < 0)
        {
            throw new ArgumentException($"invalid SftOptions {this}: learning rate, batch size, epochs and gradient clip must be positive; warm-up and weight decay not negative.");
        }
    }
}
