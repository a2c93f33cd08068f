using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>
/// Direct preference optimisation (Rafailov et al. 2023) against a frozen reference: the offline baseline to PPO.
/// A step (1) scores chosen and rejected responses under policy and reference as summed token log-probabilities,
/// (2) takes the loss −log σ(β[(log π − log π_ref)(c) − (log π − log π_ref)(r)]) and (3) updates the policy.
/// </summary>
public sealed class DpoTrainer : IDisposable
{
    private readonly Gpt _policy;
    private readonly Gpt _reference;
    private readonly bool _ownsReference;
    private readonly DpoOptions _options;
    private readonly int _padToken;
    private readonly Device _device;
    private readonly Random _shuffle;
    private readonly optim.Optimizer _optimizer;

    /// <param name="policy">The policy being trained (usually the SFT model).</param>
    /// <param name="padToken">Id used for padding.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="reference">The frozen reference; when null a copy of <paramref name="policy"/> as it is now.</param>
    public DpoTrainer(Gpt policy, int padToken, DpoOptions? options = null, Gpt? reference = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _options = options ?? new DpoOptions();
        _options.Validate();
        if (reference is not null && reference.Config with { Dropout = policy.Config.Dropout } != policy.Config)
        {
            throw new ArgumentException($"the reference ({reference.Config}) must have the policy's shape ({policy.Config}).", nameof(reference));
        }

        _policy = policy;
        _padToken = padToken;
        _device = policy.parameters().First().device;
        _ownsReference = reference is null;
        _reference = reference ?? ReferencePolicy.FrozenCopy(policy);
        foreach (var parameter in _reference.parameters())
        {
            parameter.requires_grad = false;
        }

        _shuffle = new Random(_options.Seed);
        _optimizer = optim.Adam(policy.parameters(), _options.LearningRate);
    }

    /// <summary>One gradient step on a batch of preference pairs.</summary>
    public DpoStepStats Step(IReadOnlyList<PreferencePair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        _policy.train();
        using var scope = NewDisposeScope();
        var result = Loss(pairs);
        _optimizer.zero_grad();
        result.Loss.backward();
        nn.utils.clip_grad_norm_(_policy.parameters(), _options.MaxGradNorm);
        _optimizer.step();
        return Stats(result);
    }

    /// <summary>Runs <see cref="DpoOptions.Epochs"/> shuffled passes; returns each epoch's mean statistics.</summary>
    public IReadOnlyList<DpoStepStats> Train(IReadOnlyList<PreferencePair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("no preference pairs to train on.", nameof(pairs));
        }

        var order = Enumerable.Range(0, pairs.Count).ToArray();
        var epochs = new List<DpoStepStats>();
        for (var epoch = 0; epoch < _options.Epochs; epoch++)
        {
            _shuffle.Shuffle(order);
            var steps = order.Chunk(_options.BatchSize).Select(chunk => Step(chunk.Select(i => pairs[i]).ToList())).ToList();
            epochs.Add(new DpoStepStats(steps.Average(s => s.Loss), steps.Average(s => s.Margin), steps.Average(s => s.Accuracy),
                steps.Average(s => s.ChosenReward), steps.Average(s => s.RejectedReward)));
        }

        return epochs;
    }

    /// <summary>Loss, margin and accuracy on (held-out) pairs without training.</summary>
    public DpoStepStats Evaluate(IReadOnlyList<PreferencePair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        _policy.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return Stats(Loss(pairs));
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        if (_ownsReference)
        {
            _reference.Dispose();
        }
    }

    private DpoResult Loss(IReadOnlyList<PreferencePair> pairs)
    {
        if (pairs.Count == 0)
        {
            throw new ArgumentException("the batch holds no preference pairs.", nameof(pairs));
        }

        // 1. Chosen and rejected responses in one batch of 2B rows: summed log-probabilities under policy and reference.
        var prompts = pairs.Select(p => p.Prompt).Concat(pairs.Select(p => p.Prompt)).ToList();
        var responses = pairs.Select(p => p.Chosen).Concat(pairs.Select(p => p.Rejected)).ToList();
        using var batch = ResponseBatch.Create(prompts, responses, _padToken, _device);
        var policy = batch.Evaluate(_policy, 1.0).LogProbs.sum(1);                           // (2B)
        Tensor reference;
        using (no_grad())
        {
            reference = batch.Evaluate(_reference, 1.0).LogProbs.sum(1);                     // (2B)
        }

        // 2. The DPO loss (Rafailov et al. 2023, eq. 7) with its implicit rewards.
        var half = pairs.Count;
        return PreferenceLosses.Dpo(policy[..half], policy[half..], reference[..half], reference[half..], _options.Beta);
    }

    private static DpoStepStats Stats(DpoResult result) => new(
        result.Loss.item<float>(), result.Margin, result.Accuracy,
        result.ChosenRewards.mean().item<float>(), result.RejectedRewards.mean().item<float>());
}
