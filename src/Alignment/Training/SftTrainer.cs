using CoopAgent.Alignment.Models;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Supervised fine-tuning: the policy learns to emit the response (and its end token) after the prompt;
/// prompt tokens are context only and carry no loss (see <see cref="TokenBatches.Sft"/>).</summary>
public sealed class SftTrainer : NextTokenTrainer
{
    private readonly SftOptions _options;
    private readonly int _padToken;
    private readonly int _exampleCount;

    /// <param name="model">The policy to train (in place).</param>
    /// <param name="options">Learning rate, batch size, epochs, seed, clip, warm-up.</param>
    /// <param name="exampleCount">Examples per epoch (sets the length of the learning-rate schedule).</param>
    /// <param name="padToken">Id written into padding.</param>
    public SftTrainer(Gpt model, SftOptions options, int exampleCount, int padToken)
        : base(model, Checked(options).LearningRate, options.WeightDecay, options.WarmupSteps, options.GradientClip,
               options.Epochs * StepsPerEpoch(exampleCount, options.BatchSize))
    {
        _options = options;
        _padToken = padToken;
        _exampleCount = exampleCount;
    }

    /// <summary>Runs the planned epochs (continuing from <see cref="NextTokenTrainer.StepsDone"/> when resuming), each over
    /// the examples in a fresh seeded order; returns the loss of every step taken.</summary>
    /// <param name="examples">Prompt and response ids; the response ends with the end token.</param>
    /// <param name="progress">Receives one report per step.</param>
    /// <param name="cancellationToken">Checked between steps; cancelling returns the losses so far.</param>
    public IReadOnlyList<double> Train(IReadOnlyList<SftExample> examples, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count != _exampleCount)
        {
            throw new ArgumentException($"the trainer was planned for {_exampleCount} examples, got {examples.Count}.", nameof(examples));
        }

        var stepsPerEpoch = StepsPerEpoch(examples.Count, _options.BatchSize);
        var device = Model.Trunk.Device;
        var losses = new List<double>();
        while (StepsDone < TotalSteps && !cancellationToken.IsCancellationRequested)
        {
            var epoch = StepsDone / stepsPerEpoch;
            manual_seed(_options.Seed + StepsDone);
            var order = Enumerable.Range(0, examples.Count).ToArray();
            new Random(_options.Seed + epoch).Shuffle(order);
            for (var i = StepsDone % stepsPerEpoch; i < stepsPerEpoch && !cancellationToken.IsCancellationRequested; i++)
            {
                var picked = order.Skip(i * _options.BatchSize).Take(_options.BatchSize).Select(k => examples[k]).ToList();
                using var batch = TokenBatches.Sft(picked, _padToken, Model.Config.ContextLength, device);
                var loss = Step(batch);
                losses.Add(loss);
                progress?.Report(new TrainingProgress("sft", StepsDone, TotalSteps, loss, LastLearningRate));
            }
        }

        return losses;
    }

    private static int StepsPerEpoch(int examples, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(examples);
        return (examples + batchSize - 1) / batchSize;
    }

    private static SftOptions Checked(SftOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
