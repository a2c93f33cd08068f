using System.Diagnostics;
using CoopAgent.Alignment.Curriculum;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Settings of <see cref="PpoToyTask"/>.</summary>
/// <param name="Iterations">PPO iterations to run.</param>
/// <param name="Ppo">The PPO settings; the toy task's defaults when null.</param>
/// <param name="EvaluationSamples">Rollouts used to measure the reward before and after training.</param>
/// <param name="Seed">Seed of the models, the prompts and PPO.</param>
/// <param name="Threads">TorchSharp intra-op threads for the run, restored afterwards; null leaves the setting alone.</param>
public sealed record PpoToyOptions(int Iterations = 15, PpoOptions? Ppo = null, int EvaluationSamples = 128, int Seed = 1, int? Threads = null);

/// <summary>Figures of one toy run.</summary>
/// <param name="RewardBefore">Mean reward of the initial policy (sampled at the training temperature).</param>
/// <param name="RewardAfter">Mean reward of the trained policy, on fresh samples.</param>
/// <param name="Kl">KL(π ‖ π_ref) in nats per response of the trained policy, estimated on those samples.</param>
/// <param name="Seconds">Wall time of the PPO iterations alone.</param>
/// <param name="SamplesPerSecond">Rollouts per second of training time (sampling, scoring and updates).</param>
/// <param name="History">Per-iteration statistics.</param>
public sealed record PpoToyResult(double RewardBefore, double RewardAfter, double Kl, double Seconds, double SamplesPerSecond, IReadOnlyList<PpoStats> History);

/// <summary>
/// The toy PPO task (no downloads, seconds on a CPU): a randomly initialised tiny GPT over 16 tokens is rewarded with
/// the share of its first <see cref="Window"/> response tokens that are among the four <see cref="TargetTokens"/>
/// (<see cref="TokenSetReward"/>), so the maximum is 1 and the near-uniform initial policy scores about 1/4. Because the
/// reward does not care which of the four it gets, the KL-regularised optimum keeps the reference's spread inside the set:
/// high reward is reachable at a KL far below that of a policy collapsed onto one token, which makes the KL bound a
/// real check of the penalty. The task has no notion of finishing, so responses are judged on the window whether or not
/// they emitted the end token (<see cref="ScoreShaping.MissingEndTokenScore"/> null).
/// </summary>
public static class PpoToyTask
{
    public const int PadToken = 0;
    public const int BeginToken = 1;
    public const int EndToken = 2;
    public const int VocabSize = 16;
    public const int Window = 6;

    /// <summary>The rewarded tokens: four of the thirteen ordinary ones.</summary>
    public static IReadOnlyList<int> TargetTokens { get; } = [3, 4, 5, 6];

    /// <summary>The toy model shape: one block, width 32 (about 14 k parameters).</summary>
    public static GptConfig ModelConfig => new(VocabSize, ContextLength: 16, Layers: 1, Heads: 2, Width: 32);

    /// <summary>PPO settings that solve the toy task in a few seconds.</summary>
    public static PpoOptions DefaultPpo(int seed) => new(
        BatchSize: 32, MiniBatchSize: 16, Epochs: 4, MaxNewTokens: Window, Temperature: 1.0,
        ActorLearningRate: 3e-3, CriticLearningRate: 3e-3, InitialKlCoefficient: 0.03, KlTarget: 6.0, KlHorizon: 320,
        Shaping: new ScoreShaping(MissingEndTokenScore: null), Seed: seed);

    /// <summary>Prompts &lt;|bos|&gt; followed by one to three ordinary tokens.</summary>
    public static IReadOnlyList<int[]> Prompts(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => new[] { BeginToken }.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(EndToken + 1, VocabSize))).ToArray())
            .ToArray();
    }

    /// <summary>Trains the toy policy and measures it before and after.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="onIteration">Called after every iteration with its index and statistics (progress output).</param>
    public static PpoToyResult Run(PpoToyOptions? options = null, Action<int, PpoStats>? onIteration = null)
    {
        options ??= new PpoToyOptions();
        var threads = torch.get_num_threads();
        if (options.Threads is { } wanted)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(wanted, nameof(options));
            torch.set_num_threads(wanted);
        }

        try
        {
            return Train(options, onIteration);
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }

    private static PpoToyResult Train(PpoToyOptions options, Action<int, PpoStats>? onIteration)
    {
        var ppo = options.Ppo ?? DefaultPpo(options.Seed);
        using var init = new Generator((ulong)options.Seed);
        using var actor = new Gpt(ModelConfig, init);
        using var critic = new ScalarModel(ModelConfig, init);
        var reward = new TokenSetReward(TargetTokens, Window);
        var prompts = Prompts(32, options.Seed);
        var curriculum = new CurriculumSampler(prompts, new CurriculumOptions(SuccessThreshold: 0.5, Seed: options.Seed));
        using var trainer = new PpoTrainer(actor, critic, reward, curriculum, EndToken, PadToken, ppo);

        var evaluationPrompts = Prompts(options.EvaluationSamples, options.Seed + 1);
        var before = Evaluate(actor, trainer.Reference, reward, evaluationPrompts, ppo, options.Seed + 2);

        var clock = Stopwatch.StartNew();
        var history = new List<PpoStats>();
        for (var i = 0; i < options.Iterations; i++)
        {
            history.Add(trainer.Iteration());
            onIteration?.Invoke(i, history[^1]);
        }

        clock.Stop();
        var after = Evaluate(actor, trainer.Reference, reward, evaluationPrompts, ppo, options.Seed + 2);
        var seconds = clock.Elapsed.TotalSeconds;
        return new PpoToyResult(before.Reward, after.Reward, after.Kl, seconds, options.Iterations * ppo.BatchSize / seconds, history);
    }

    /// <summary>Mean reward and KL(π ‖ π_ref) per response on fresh samples from <paramref name="policy"/>.</summary>
    private static (double Reward, double Kl) Evaluate(Gpt policy, Gpt reference, TokenSetReward reward,
        IReadOnlyList<int[]> prompts, PpoOptions ppo, int seed)
    {
        using var generator = new Generator((ulong)seed);
        var sampler = new Sampler(policy, EndToken, PadToken);
        var responses = sampler.Generate(prompts, new SamplingOptions(ppo.MaxNewTokens, ppo.Temperature), generator)
            .Select(r => r.Tokens).ToList();
        var meanReward = reward.Score(prompts, responses).Average();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = ResponseBatch.Create(prompts, responses, PadToken);
        var logProbs = batch.Evaluate(policy, ppo.Temperature).LogProbs;
        var referenceLogProbs = batch.Evaluate(reference, ppo.Temperature).LogProbs;
        var kl = (logProbs - referenceLogProbs).sum(1).mean().item<float>();
        return (meanReward, kl);
    }
}
