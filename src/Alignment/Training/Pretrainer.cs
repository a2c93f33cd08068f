using CoopAgent.Alignment.Models;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Next-token pretraining: every document becomes <c>&lt;|bos|&gt; text &lt;|eos|&gt;</c>, cut into windows of
/// the context length; each step trains on a random batch of windows.</summary>
public sealed class Pretrainer : NextTokenTrainer
{
    private readonly PretrainOptions _options;
    private readonly int _padToken;

    /// <param name="model">The policy to train (in place).</param>
    /// <param name="options">Learning rate, batch size, steps, seed, clip, warm-up.</param>
    /// <param name="padToken">Id written into padding (never a target that counts).</param>
    public Pretrainer(Gpt model, PretrainOptions options, int padToken)
        : base(model, Checked(options).LearningRate, options.WeightDecay, options.WarmupSteps, options.GradientClip, options.Steps)
    {
        _options = options;
        _padToken = padToken;
    }

    /// <summary>Trains for <see cref="PretrainOptions.Steps"/> steps (from <see cref="NextTokenTrainer.StepsDone"/> when
    /// resuming); returns the loss of every step taken.</summary>
    /// <param name="documents">Token ids of each document, already wrapped in bos/eos.</param>
    /// <param name="progress">Receives one report per step.</param>
    /// <param name="cancellationToken">Checked between steps; cancelling returns the losses so far.</param>
    public IReadOnlyList<double> Train(IReadOnlyList<int[]> documents, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var windows = documents.SelectMany(d => TokenBatches.Windows(d, Model.Config.ContextLength)).Where(w => w.Length >= 2).ToList();
        if (windows.Count == 0)
        {
            throw new ArgumentException("the corpus has no document of two or more tokens.", nameof(documents));
        }

        manual_seed(_options.Seed + StepsDone);
        var random = new Random(_options.Seed + StepsDone);
        var device = Model.Trunk.Device;
        var losses = new List<double>();
        while (StepsDone < _options.Steps && !cancellationToken.IsCancellationRequested)
        {
            var picked = Enumerable.Range(0, Math.Min(_options.BatchSize, windows.Count)).Select(_ => windows[random.Next(windows.Count)]).ToList();
            using var batch = TokenBatches.Pretraining(picked, _padToken, device);
            var loss = Step(batch);
            losses.Add(loss);
            progress?.Report(new TrainingProgress("pretrain", StepsDone, _options.Steps, loss, LastLearningRate));
        }

        return losses;
    }

    private static PretrainOptions Checked(PretrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
