using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>
/// Trains a <see cref="ScalarModel"/> as a reward model on human rankings (Ouyang et al. 2022, §3.5): the score of a
/// response is the model's value at its last token, and the loss is Bradley–Terry over all pairs of each ranking,
/// ties included (<see cref="PreferenceLosses.BradleyTerry"/>).
/// </summary>
public sealed class RewardTrainer : IDisposable
{
    private readonly ScalarModel _model;
    private readonly RewardOptions _options;
    private readonly int _padToken;
    private readonly Random _shuffle;
    private readonly optim.Optimizer _optimizer;

    public RewardTrainer(ScalarModel model, int padToken, RewardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new RewardOptions();
        _options.Validate();
        _model = model;
        _padToken = padToken;
        _shuffle = new Random(_options.Seed);
        _optimizer = optim.AdamW(model.parameters(), _options.LearningRate, weight_decay: _options.WeightDecay);
    }

    /// <summary>
    /// Scores (N) of (prompt, response) pairs: each prompt + response is one left-padded row, so every row's last
    /// token sits in the last column and its value there is the score. Gradients flow when enabled.
    /// </summary>
    public static Tensor Scores(ScalarModel model, IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses, int padToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(responses);
        if (prompts.Count != responses.Count || prompts.Count == 0)
        {
            throw new ArgumentException($"need as many responses as prompts, at least one (got {prompts.Count} and {responses.Count}).");
        }

        using var scope = NewDisposeScope();
        var rows = prompts.Zip(responses, (p, r) => p.Concat(r).ToArray()).ToList();
        var (tokens, mask) = Sampler.LeftPad(rows, padToken, model.parameters().First().device);
        return model.forward(tokens, mask)[.., -1].MoveToOuterDisposeScope();            // (N)
    }

    /// <summary>One gradient step on a batch of rankings.</summary>
    public RewardStepStats Step(IReadOnlyList<Ranking> rankings)
    {
        ArgumentNullException.ThrowIfNull(rankings);
        _model.train();
        using var scope = NewDisposeScope();
        var result = Loss(rankings);
        _optimizer.zero_grad();
        result.Loss.backward();
        nn.utils.clip_grad_norm_(_model.parameters(), _options.MaxGradNorm);
        _optimizer.step();
        return new RewardStepStats(result.Loss.item<float>(), result.Accuracy);
    }

    /// <summary>Runs <see cref="RewardOptions.Epochs"/> shuffled passes; returns each epoch's mean loss and accuracy.</summary>
    /// <param name="rankings">The training rankings.</param>
    /// <param name="afterStep">Called after every step with the step number (from 1) and its figures.</param>
    /// <param name="afterEpoch">Called after every epoch with its number (from 1), e.g. to evaluate held-out rankings.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    public IReadOnlyList<RewardStepStats> Train(
        IReadOnlyList<Ranking> rankings, Action<int, RewardStepStats>? afterStep = null, Action<int>? afterEpoch = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rankings);
        if (rankings.Count == 0)
        {
            throw new ArgumentException("no rankings to train on.", nameof(rankings));
        }

        var order = Enumerable.Range(0, rankings.Count).ToArray();
        var epochs = new List<RewardStepStats>();
        var step = 0;
        for (var epoch = 0; epoch < _options.Epochs; epoch++)
        {
            _shuffle.Shuffle(order);
            var steps = new List<RewardStepStats>();
            foreach (var chunk in order.Chunk(_options.BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                steps.Add(Step(chunk.Select(i => rankings[i]).ToList()));
                afterStep?.Invoke(++step, steps[^1]);
            }

            epochs.Add(new RewardStepStats(steps.Average(s => s.Loss), steps.Where(s => !double.IsNaN(s.Accuracy)).Select(s => s.Accuracy).DefaultIfEmpty(double.NaN).Average()));
            afterEpoch?.Invoke(epoch + 1);
        }

        return epochs;
    }

    /// <summary>Loss and pairwise accuracy over strict pairs of held-out rankings, without training.</summary>
    public RewardStepStats Evaluate(IReadOnlyList<Ranking> rankings)
    {
        ArgumentNullException.ThrowIfNull(rankings);
        _model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var result = Loss(rankings);
        return new RewardStepStats(result.Loss.item<float>(), result.Accuracy);
    }

    public void Dispose() => _optimizer.Dispose();

    private BradleyTerryResult Loss(IReadOnlyList<Ranking> rankings)
    {
        var prompts = rankings.SelectMany(r => r.Responses.Select(_ => r.Prompt)).ToList();
        var responses = rankings.SelectMany(r => r.Responses).ToList();
        var scores = Scores(_model, prompts, responses, _padToken);                        // (N), ranking after ranking
        return PreferenceLosses.BradleyTerry(scores, rankings, _options.Margin);
    }
}
