using System.Diagnostics;
using CoopAgent.Agent.Data;
using CoopAgent.Agent.Pipeline;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Agent.Experiments;

/// <summary>
/// One configuration of PPO on the household task: its name, what it changes, the PPO settings, how many iterations
/// and where its prompts come from (given the task's training prompts and the run seed).
/// </summary>
public sealed record HouseholdArm(string Name, string Change, PpoOptions Ppo, int Iterations, Func<HouseholdTask, int, IPromptSource> Prompts)
{
    /// <summary>Rollout samples the arm pays for: iterations × batch size.</summary>
    public int Samples => Iterations * Ppo.BatchSize;
}

/// <summary>A point of a held-out curve: greedy-turn figures after <see cref="Samples"/> rollouts (<see cref="Iteration"/> iterations).</summary>
public sealed record HouseholdPoint(int Iteration, int Samples, PromptEvaluation Evaluation);

/// <summary>What one seeded run of an arm measured.</summary>
/// <param name="Points">Held-out greedy gold, proxy and success before training and at every evaluation.</param>
/// <param name="History">PPO statistics per iteration (MeanScore is the rollouts' proxy reward; Kl the KL charged against the reference).</param>
/// <param name="RolloutGold">Mean gold reward of each iteration's rollouts (sampled, on the prompts drawn).</param>
/// <param name="RolloutSuccess">Share of each iteration's rollouts that succeeded by gold.</param>
/// <param name="KlToSft">KL(π ‖ π_SFT) in nats per response after training, on samples for the held-out prompts: the
/// same yardstick for every arm, also when the reference moved.</param>
/// <param name="DistinctPrompts">How many different training prompts the arm drew.</param>
/// <param name="Seconds">Wall time of the run (training and evaluations).</param>
public sealed record HouseholdRun(IReadOnlyList<HouseholdPoint> Points, IReadOnlyList<PpoStats> History, IReadOnlyList<double> RolloutGold,
    IReadOnlyList<double> RolloutSuccess, double KlToSft, int DistinctPrompts, double Seconds)
{
    /// <summary>Mean of <paramref name="perIteration"/> over the last third of the iterations (at least one): with equal
    /// samples per run, the same number of rollouts for every batch size.</summary>
    public static double LastThird(IReadOnlyList<double> perIteration)
    {
        ArgumentNullException.ThrowIfNull(perIteration);
        return perIteration.Skip(perIteration.Count - Math.Max(1, perIteration.Count / 3)).Average();
    }
}

/// <summary>
/// The household task as the experiments train on it, from a <c>coopagent train</c> run folder (read, never written):
/// the SFT policy starts the actor and is the reference; the reward model is the proxy reward and starts the critic
/// (as in the pipeline's PPO stage); the run's PPO prompts are drawn from, and its held-out prompts measure the greedy
/// turn's gold reward under the simulated person's true θ (<see cref="PromptEvaluation"/>). Prompts and held-out
/// prompts are regenerated from the run's preset and seed, exactly as the pipeline made them.
/// </summary>
public sealed class HouseholdTask : IDisposable
{
    private readonly string _sft;
    private readonly string _reward;
    private readonly ScalarModel _rewardModel;

    private HouseholdTask(string folder, RunState state, TrainingPreset preset, CompactTokenizer tokenizer, ScalarModel rewardModel, PipelineData data)
    {
        Folder = folder;
        RunSeed = state.Seed;
        Preset = preset;
        Tokenizer = tokenizer;
        _rewardModel = rewardModel;
        _sft = Path.Combine(folder, "stages", "sft");
        _reward = Path.Combine(folder, "stages", "reward");
        TrainPrompts = data.PpoPrompts;
        EvalPrompts = data.EvalPrompts;
        TrainTokens = [.. TrainPrompts.Select(p => PipelineData.Encode(tokenizer, p.Prompt, ContextLength, preset.MaxNewTokens))];
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }

    /// <summary>The seed the run was trained (and its prompts generated) with.</summary>
    public int RunSeed { get; }

    /// <summary>The run's preset: model size, PPO settings, response length.</summary>
    public TrainingPreset Preset { get; }

    public CompactTokenizer Tokenizer { get; }

    /// <summary>The prompts PPO draws from.</summary>
    public IReadOnlyList<PpoPrompt> TrainPrompts { get; }

    /// <summary><see cref="TrainPrompts"/> as token ids (what prompt sources hand out).</summary>
    public IReadOnlyList<int[]> TrainTokens { get; }

    /// <summary>Held-out prompts (homes no stage trained on).</summary>
    public IReadOnlyList<PpoPrompt> EvalPrompts { get; }

    /// <summary>The judge shared by every run, so the oracle's value of each prompt is worked out once.</summary>
    public PersonJudge Judge { get; } = new();

    private int ContextLength => _rewardModel.Config.ContextLength;

    /// <summary>
    /// Opens a run folder that has finished its <c>sft</c> and <c>reward</c> stages. A missing folder, a folder without
    /// run.json, a run without those stages or a damaged checkpoint is an <see cref="IOException"/>,
    /// <see cref="InvalidDataException"/> or <c>CheckpointException</c> that names what is wrong.
    /// </summary>
    public static HouseholdTask Open(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"no run folder {folder}: give a `coopagent train` output folder.");
        }

        var state = RunState.Read(folder)
            ?? throw new InvalidDataException($"{folder} holds no {RunState.FileName}: it is not a `coopagent train` run folder.");
        foreach (var stage in new[] { "sft", "reward" })
        {
            if (!state.Done(stage))
            {
                throw new InvalidDataException(
                    $"{folder}: the run has not finished its {stage} stage (done: {string.Join(", ", state.Completed)}); the experiments need stages/sft and stages/reward (a --algo ppo run).");
            }
        }

        var preset = TrainingPreset.ByName(state.Preset);
        var reward = CheckpointStore.LoadScalar(Path.Combine(folder, "stages", "reward"));
        try
        {
            // Load the SFT checkpoint once now so that a damaged one is refused before minutes of data generation.
            var sft = CheckpointStore.LoadGpt(Path.Combine(folder, "stages", "sft"));
            sft.Model.Dispose();
            if (sft.Tokenizer.Count != reward.Tokenizer.Count || sft.Config.ContextLength != reward.Config.ContextLength)
            {
                throw new InvalidDataException($"{folder}: stages/sft and stages/reward come from different runs (tokenizer or context differs).");
            }

            reward.Model.eval();
            return new HouseholdTask(folder, state, preset, sft.Tokenizer, reward.Model, PipelineData.Generate(preset, state.Seed));
        }
        catch
        {
            reward.Model.Dispose();
            throw;
        }
    }

    /// <summary>The SFT policy's figures on the held-out prompts (every arm's iteration 0).</summary>
    public PromptEvaluation EvaluateSft()
    {
        using var sft = CheckpointStore.LoadGpt(_sft).Model;
        return Evaluate(sft);
    }

    /// <summary>Trains a fresh copy of the SFT policy with <paramref name="arm"/> and measures it.</summary>
    /// <param name="arm">PPO settings, iterations and prompt source.</param>
    /// <param name="seed">Seeds PPO (sampling, minibatches) and the prompt source.</param>
    /// <param name="evaluateEvery">Rollout samples between held-out evaluations (the last iteration is always evaluated).</param>
    /// <param name="start">The SFT policy's held-out figures, when already measured (<see cref="EvaluateSft"/>).</param>
    public HouseholdRun Train(HouseholdArm arm, int seed, int evaluateEvery, PromptEvaluation? start = null)
    {
        ArgumentNullException.ThrowIfNull(arm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(evaluateEvery);
        var clock = Stopwatch.StartNew();
        using var actor = CheckpointStore.LoadGpt(_sft).Model;
        using var reference = CheckpointStore.LoadGpt(_sft).Model;
        using var critic = CheckpointStore.LoadScalar(_reward).Model;
        var source = new CountingSource(arm.Prompts(this, seed));
        var environment = new HouseholdPpoEnvironment(TrainPrompts, TrainTokens, new RewardModelScorer(_rewardModel, CompactTokenizer.PadId),
            Tokenizer, Judge, source);
        using var trainer = new PpoTrainer(actor, critic, environment, environment, CompactTokenizer.EosId, CompactTokenizer.PadId,
            arm.Ppo with { Seed = seed }, reference);
        var points = new List<HouseholdPoint> { new(0, 0, start ?? Evaluate(actor)) };
        var history = new List<PpoStats>();
        var rolloutGold = new List<double>();
        var rolloutSuccess = new List<double>();
        for (var iteration = 1; iteration <= arm.Iterations; iteration++)
        {
            history.Add(trainer.Iteration());
            rolloutGold.Add(environment.LastGold);
            rolloutSuccess.Add(environment.LastSuccessRate);
            var samples = iteration * arm.Ppo.BatchSize;
            if (samples % evaluateEvery == 0 || iteration == arm.Iterations)
            {
                points.Add(new HouseholdPoint(iteration, samples, Evaluate(actor)));
            }
        }

        using var sftPolicy = CheckpointStore.LoadGpt(_sft).Model;
        var kl = KlBetween(actor, sftPolicy, arm.Ppo, seed);
        return new HouseholdRun(points, history, rolloutGold, rolloutSuccess, kl, source.Distinct, clock.Elapsed.TotalSeconds);
    }

    public void Dispose() => _rewardModel.Dispose();

    private PromptEvaluation Evaluate(Gpt policy) =>
        PromptEvaluation.Measure(policy, _rewardModel, EvalPrompts, Tokenizer, Judge, Preset.MaxNewTokens);

    /// <summary>Mean over sampled responses to the held-out prompts of Σ_t (log π − log π_SFT): a Monte-Carlo KL(π ‖ π_SFT).</summary>
    private double KlBetween(Gpt policy, Gpt sft, PpoOptions ppo, int seed)
    {
        var prompts = EvalPrompts.Select(p => PipelineData.Encode(Tokenizer, p.Prompt, ContextLength, Preset.MaxNewTokens)).ToList();
        using var generator = new Generator((ulong)seed + 99);
        var responses = new Sampler(policy, CompactTokenizer.EosId, CompactTokenizer.PadId)
            .Generate(prompts, new SamplingOptions(ppo.MaxNewTokens, ppo.Temperature), generator).Select(r => r.Tokens).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        policy.eval();
        sft.eval();
        using var batch = ResponseBatch.Create(prompts, responses, CompactTokenizer.PadId);
        var mine = batch.Evaluate(policy, ppo.Temperature).LogProbs;
        var theirs = batch.Evaluate(sft, ppo.Temperature).LogProbs;
        return (mine - theirs).sum(1).mean().item<float>();
    }

    /// <summary>Passes draws and outcomes through, counting the different prompts drawn.</summary>
    private sealed class CountingSource(IPromptSource inner) : IPromptSource
    {
        private readonly HashSet<int> _seen = [];

        public int Distinct => _seen.Count;

        public IReadOnlyList<PromptDraw> Draw(int count)
        {
            var draws = inner.Draw(count);
            _seen.UnionWith(draws.Select(d => d.Id));
            return draws;
        }

        public void Observe(int id, double score) => inner.Observe(id, score);
    }
}
