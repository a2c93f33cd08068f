using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>
/// PPO for language models (Ziegler et al. 2019; Ouyang et al. 2022; the TRL layout): an actor (the policy), a critic
/// (value model), a reward function and a reference policy. Each <see cref="Iteration"/> samples prompts, rolls out
/// responses, scores them, turns scores and the KL to the reference into per-token rewards, estimates advantages with
/// GAE and improves actor and critic with clipped losses over minibatch epochs.
/// </summary>
/// <remarks>Not thread-safe; all tensors of an iteration live in its dispose scope. Dropout is switched off
/// (eval mode) in every pass, so the first epoch's ratio π/π_old is exactly 1 and the rollout and training passes
/// compute the same function.</remarks>
public sealed class PpoTrainer : IDisposable
{
    private readonly Gpt _actor;
    private readonly ScalarModel _critic;
    private readonly Gpt _reference;
    private readonly bool _ownsReference;
    private readonly IRewardFunction _reward;
    private readonly IPromptSource _prompts;
    private readonly PpoOptions _options;
    private readonly ScoreShaping _shaping;
    private readonly RunningMoments _scoreMoments = new();
    private readonly KlController _kl;
    private readonly Sampler _sampler;
    private readonly SamplingOptions _sampling;
    private readonly int _padToken;
    private readonly Device _device;
    private readonly Generator _generator;
    private readonly Random _shuffle;
    private readonly OptimizerHelper _actorOptimizer;
    private readonly OptimizerHelper _criticOptimizer;

    /// <param name="actor">The policy being trained.</param>
    /// <param name="critic">The value model (usually initialised from the reward model or the policy's trunk).</param>
    /// <param name="reward">Scores finished rollouts.</param>
    /// <param name="prompts">Prompt source, for example a <see cref="Curriculum.CurriculumSampler"/>.</param>
    /// <param name="endToken">Id that ends a response.</param>
    /// <param name="padToken">Id used for padding.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="reference">The reference policy; when null a frozen copy of <paramref name="actor"/> as it is now.
    /// It moves only by <see cref="PpoOptions.ReferenceUpdateRate"/>.</param>
    public PpoTrainer(Gpt actor, ScalarModel critic, IRewardFunction reward, IPromptSource prompts,
        int endToken, int padToken, PpoOptions? options = null, Gpt? reference = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(critic);
        ArgumentNullException.ThrowIfNull(reward);
        ArgumentNullException.ThrowIfNull(prompts);
        _options = options ?? new PpoOptions();
        _options.Validate();
        if (reference is not null && reference.Config with { Dropout = actor.Config.Dropout } != actor.Config)
        {
            throw new ArgumentException($"the reference ({reference.Config}) must have the actor's shape ({actor.Config}).", nameof(reference));
        }

        _actor = actor;
        _critic = critic;
        _reward = reward;
        _prompts = prompts;
        _padToken = padToken;
        _device = actor.parameters().First().device;
        _ownsReference = reference is null;
        _reference = reference ?? ReferencePolicy.FrozenCopy(actor);
        foreach (var parameter in _reference.parameters())
        {
            parameter.requires_grad = false;
        }

        _shaping = _options.Shaping ?? new ScoreShaping();
        _kl = _options.KlTarget is { } target
            ? KlController.Adaptive(_options.InitialKlCoefficient, target, _options.KlHorizon)
            : KlController.Fixed(_options.InitialKlCoefficient);
        _sampler = new Sampler(actor, endToken, padToken);
        _sampling = new SamplingOptions(_options.MaxNewTokens, _options.Temperature);
        _generator = new Generator((ulong)_options.Seed, _device);
        _shuffle = new Random(_options.Seed);
        _actorOptimizer = optim.Adam(actor.parameters(), _options.ActorLearningRate);
        _criticOptimizer = optim.Adam(critic.parameters(), _options.CriticLearningRate);
    }

    /// <summary>The current KL coefficient β.</summary>
    public double KlCoefficient => _kl.Beta;

    /// <summary>The reference policy the KL penalty is measured against.</summary>
    public Gpt Reference => _reference;

    /// <summary>One PPO iteration: rollouts of <see cref="PpoOptions.BatchSize"/> prompts and the updates they pay for.</summary>
    public PpoStats Iteration()
    {
        _actor.eval();
        _critic.eval();
        _reference.eval();

        // 1. Prompts, from the curriculum or any other source.
        var draws = _prompts.Draw(_options.BatchSize);
        if (draws.Count != _options.BatchSize)
        {
            throw new InvalidOperationException($"the prompt source returned {draws.Count} prompts for a batch of {_options.BatchSize}.");
        }

        var prompts = draws.Select(d => d.Tokens).ToList();

        // 2. Rollouts at the training temperature.
        var rollouts = _sampler.Generate(prompts, _sampling, _generator);
        var responses = rollouts.Select(r => r.Tokens).ToList();
        var finished = rollouts.Select(r => r.Finished).ToList();

        // 3. Scores: raw ones go to the prompt source (curriculum), shaped ones into the reward.
        var scores = _reward.Score(prompts, responses);
        if (scores.Count != prompts.Count)
        {
            throw new InvalidOperationException($"the reward function returned {scores.Count} scores for {prompts.Count} rollouts.");
        }

        for (var i = 0; i < draws.Count; i++)
        {
            _prompts.Observe(draws[i].Id, scores[i]);
        }

        var shaped = _shaping.Apply(scores, finished, _scoreMoments);

        using var scope = NewDisposeScope();
        using var batch = ResponseBatch.Create(prompts, responses, _padToken, _device);
        var mask = batch.ResponseMask;                                                    // (B, R)

        // 4. Log-probabilities of the rollout policy and the reference, and the critic's values, all without gradients.
        Tensor oldLogProbs, referenceLogProbs, oldValues, entropy;
        using (no_grad())
        {
            (oldLogProbs, entropy) = batch.Evaluate(_actor, _options.Temperature);
            referenceLogProbs = batch.Evaluate(_reference, _options.Temperature).LogProbs;
            oldValues = batch.Values(_critic);
        }

        // 5. Per-token rewards: −β(log π − log π_ref) everywhere, the shaped score on the end-token action.
        var scoreTensor = tensor(shaped.Select(s => (float)s).ToArray(), device: _device);
        var rewards = TokenRewards.Compute(scoreTensor, oldLogProbs, referenceLogProbs, mask, _kl.Beta);

        // 6. GAE; returns (the value targets) come from the raw advantages, then the advantages are whitened
        // unless the ablation switched that off.
        var estimate = AdvantageEstimate.Compute(rewards.Rewards, oldValues, mask, _options.Gamma, _options.Lambda);
        var advantages = _options.NormalizeAdvantages ? Masked.Whiten(estimate.Advantages, mask) : estimate.Advantages;

        // 7. Minibatch epochs of the clipped policy and value losses.
        var totals = new MinibatchTotals();
        var order = Enumerable.Range(0, _options.BatchSize).ToArray();
        for (var epoch = 0; epoch < _options.Epochs; epoch++)
        {
            _shuffle.Shuffle(order);
            for (var start = 0; start < order.Length; start += _options.MiniBatchSize)
            {
                var rows = order[start..(start + _options.MiniBatchSize)].Select(i => (long)i).ToArray();
                MinibatchStep(batch, rows, oldLogProbs, oldValues, advantages, estimate.Returns, totals);
            }
        }

        // 8. Adaptive KL: steer β towards the target with this batch's KL per response.
        var kl = rewards.Kl.sum(1).mean().item<float>();
        _kl.Update(kl, _options.BatchSize);

        // 9. Reference moving average (η = 0 leaves it frozen).
        ReferencePolicy.MoveTowards(_reference, _actor, _options.ReferenceUpdateRate);

        return new PpoStats(
            MeanScore: scores.Average(),
            Kl: kl,
            Entropy: Masked.Mean(entropy, mask).item<float>(),
            ClipFraction: totals.ClipFraction / totals.Steps,
            ApproxKl: totals.ApproxKl / totals.Steps,
            PolicyLoss: totals.PolicyLoss / totals.Steps,
            ValueLoss: totals.ValueLoss / totals.Steps,
            MeanResponseLength: responses.Average(r => r.Length),
            FinishedFraction: finished.Count(f => f) / (double)finished.Count,
            KlCoefficient: _kl.Beta);
    }

    private void MinibatchStep(ResponseBatch batch, long[] rows, Tensor oldLogProbs, Tensor oldValues,
        Tensor advantages, Tensor returns, MinibatchTotals totals)
    {
        using var scope = NewDisposeScope();
        var index = tensor(rows, device: _device);
        using var minibatch = batch.Select(index);
        var mask = minibatch.ResponseMask;

        // Policy: clipped surrogate on the whitened advantages (Schulman et al. 2017, eq. 7).
        var current = minibatch.Evaluate(_actor, _options.Temperature);
        var policy = PpoLosses.Policy(current.LogProbs, oldLogProbs.index_select(0, index), advantages.index_select(0, index), mask, _options.ClipRange);
        _actorOptimizer.zero_grad();
        policy.Loss.backward();
        nn.utils.clip_grad_norm_(_actor.parameters(), _options.MaxGradNorm);
        _actorOptimizer.step();

        // Critic: clipped regression onto the returns.
        var value = PpoLosses.Value(minibatch.Values(_critic), oldValues.index_select(0, index), returns.index_select(0, index), mask, _options.ValueClipRange);
        _criticOptimizer.zero_grad();
        value.Loss.backward();
        nn.utils.clip_grad_norm_(_critic.parameters(), _options.MaxGradNorm);
        _criticOptimizer.step();

        totals.Steps++;
        totals.PolicyLoss += policy.Loss.item<float>();
        totals.ClipFraction += policy.ClipFraction.item<float>();
        totals.ApproxKl += policy.ApproxKl.item<float>();
        totals.ValueLoss += value.Loss.item<float>();
    }

    /// <summary>The actor's Adam optimizer, for saving and restoring its moments with a resumable checkpoint.</summary>
    public OptimizerHelper ActorOptimizer => _actorOptimizer;

    /// <summary>The critic's Adam optimizer, for saving and restoring its moments with a resumable checkpoint.</summary>
    public OptimizerHelper CriticOptimizer => _criticOptimizer;

    /// <summary>Releases the optimizers, the sampling generator and the reference copy this trainer made.</summary>
    public void Dispose()
    {
        _actorOptimizer.Dispose();
        _criticOptimizer.Dispose();
        _generator.Dispose();
        if (_ownsReference)
        {
            _reference.Dispose();
        }
    }

    private sealed class MinibatchTotals
    {
        public int Steps { get; set; }

        public double PolicyLoss { get; set; }

        public double ClipFraction { get; set; }

        public double ApproxKl { get; set; }

        public double ValueLoss { get; set; }
    }
}
