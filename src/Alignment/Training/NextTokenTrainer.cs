using CoopAgent.Alignment.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoopAgent.Alignment.Training;

/// <summary>What pretraining and SFT share: masked next-token cross-entropy, AdamW (decay on matrices only),
/// linear warm-up then cosine decay to a tenth, and gradient clipping.</summary>
public abstract class NextTokenTrainer : IDisposable
{
    private readonly AdamW _optimizer;
    private readonly double _learningRate;
    private readonly int _warmupSteps;
    private readonly double _gradientClip;

    private protected NextTokenTrainer(Gpt model, double learningRate, double weightDecay, int warmupSteps, double gradientClip, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _learningRate = learningRate;
        _warmupSteps = warmupSteps;
        _gradientClip = gradientClip;
        TotalSteps = totalSteps;
        // nanoGPT: weight decay on matrices (linear weights, embeddings), none on biases and LayerNorm gains.
        var parameters = model.named_parameters().ToList();
        var decayed = parameters.Where(p => p.parameter.dim() >= 2).Select(p => p.parameter).ToList();
        var plain = parameters.Where(p => p.parameter.dim() < 2).Select(p => p.parameter).ToList();
        _optimizer = optim.AdamW(
            [new AdamW.ParamGroup(decayed, new AdamW.Options { LearningRate = learningRate, weight_decay = weightDecay }),
             new AdamW.ParamGroup(plain, new AdamW.Options { LearningRate = learningRate, weight_decay = 0.0 })],
            lr: learningRate, beta1: 0.9, beta2: 0.95);
    }

    public Gpt Model { get; }

    /// <summary>Optimizer steps taken (resumed runs start from the saved count).</summary>
    public int StepsDone { get; set; }

    /// <summary>Steps the learning-rate schedule spans.</summary>
    public int TotalSteps { get; }

    /// <summary>The AdamW optimizer, for saving and restoring its state with a checkpoint.</summary>
    public OptimizerHelper Optimizer => _optimizer;

    /// <summary>Step size at step <paramref name="step"/> (0-based): linear warm-up, then cosine from the full rate to a tenth.</summary>
    public double LearningRateAt(int step)
    {
        if (step < _warmupSteps)
        {
            return _learningRate * (step + 1) / _warmupSteps;
        }

        var progress = Math.Clamp((double)(step - _warmupSteps) / Math.Max(1, TotalSteps - _warmupSteps), 0, 1);
        return _learningRate * (0.1 + (0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress))));
    }

    /// <summary>Mean cross-entropy over the positions where the loss mask is 1: Σ mask·(−log p(target)) / Σ mask.</summary>
    /// <returns>A scalar tensor (with a graph when gradients are on).</returns>
    public static Tensor Loss(Gpt model, TokenBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var logits = model.forward(batch.Inputs, batch.AttentionMask);                           // (B, T, V)
        var perToken = F.cross_entropy(logits.flatten(0, 1), batch.Targets.flatten(), reduction: nn.Reduction.None)
            .view_as(batch.LossMask);                                                            // (B, T)
        var counted = batch.LossMask.sum().clamp_min(1);
        return ((perToken * batch.LossMask).sum() / counted).MoveToOuterDisposeScope();
    }

    /// <summary>One optimizer step on <paramref name="batch"/>; returns its loss (before the update).</summary>
    public double Step(TokenBatch batch)
    {
        using var scope = NewDisposeScope();
        var learningRate = LearningRateAt(StepsDone);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }

        Model.train();
        _optimizer.zero_grad();
        var loss = Loss(Model, batch);
        loss.backward();
        nn.utils.clip_grad_norm_(Model.parameters(), _gradientClip);
        _optimizer.step();
        StepsDone++;
        LastLearningRate = learningRate;
        return loss.item<float>();
    }

    /// <summary>Step size of the most recent <see cref="Step"/>.</summary>
    public double LastLearningRate { get; private set; }

    public void Dispose()
    {
        _optimizer.Dispose();
        GC.SuppressFinalize(this);
    }
}
