using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// Everything that sizes one run of the household pipeline: the model, how much data each stage gets, and
/// each trainer's options. <see cref="Tiny"/> runs inside the test suite (well under two minutes on the
/// 2-core CPU); <see cref="Default"/> makes the shipped policy (under 30 minutes there).
/// </summary>
/// <param name="Name">tiny or default.</param>
/// <param name="Model">The policy's shape, given the tokenizer's vocabulary size.</param>
/// <param name="CorpusDocuments">Pretraining documents (home descriptions, dialogues, action traces).</param>
/// <param name="SftExamples">Demonstrations of the next turn.</param>
/// <param name="Pretrain">Next-token pretraining settings.</param>
/// <param name="Sft">Supervised fine-tuning settings.</param>
/// <param name="PolicyRankings">Prompts whose K samples of the SFT policy a simulated person ranks (on-policy preferences).</param>
/// <param name="GeneratedRankings">Rankings of K planner candidates (off-policy preferences: good and bad plans the SFT policy may never write).</param>
/// <param name="K">Responses per ranking.</param>
/// <param name="HeldOutShare">Share of rankings kept out of reward-model and DPO training, for held-out accuracy.</param>
/// <param name="Reward">Reward-model settings.</param>
/// <param name="PpoPrompts">Prompts PPO's curriculum draws from.</param>
/// <param name="PpoIterations">PPO iterations.</param>
/// <param name="Ppo">PPO settings.</param>
/// <param name="Dpo">DPO settings (the offline baseline, on the same preference data).</param>
/// <param name="EvalPrompts">Fixed held-out prompts on which gold and proxy reward are measured after every PPO iteration.</param>
/// <param name="MaxNewTokens">Longest response the policy writes (plans are ~30 tokens).</param>
/// <param name="CheckpointEvery">PPO iterations between resumable checkpoints.</param>
public sealed record TrainingPreset(
    string Name,
    Func<int, GptConfig> Model,
    int CorpusDocuments,
    int SftExamples,
    PretrainOptions Pretrain,
    SftOptions Sft,
    int PolicyRankings,
    int GeneratedRankings,
    int K,
    double HeldOutShare,
    RewardOptions Reward,
    int PpoPrompts,
    int PpoIterations,
    PpoOptions Ppo,
    DpoOptions Dpo,
    int EvalPrompts,
    int MaxNewTokens,
    int CheckpointEvery)
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "default"];

    /// <summary>Seconds, not minutes: every stage runs, on a model too small to learn much.</summary>
    public static TrainingPreset Tiny { get; } = new(
        "tiny",
        vocab => new GptConfig(vocab, ContextLength: 256, Layers: 2, Heads: 2, Width: 48),
        CorpusDocuments: 60,
        SftExamples: 64,
        new PretrainOptions(LearningRate: 2e-3, BatchSize: 8, Steps: 12, WarmupSteps: 2),
        new SftOptions(LearningRate: 2e-3, BatchSize: 16, Epochs: 1, WarmupSteps: 1),
        PolicyRankings: 8,
        GeneratedRankings: 16,
        K: 3,
        HeldOutShare: 0.25,
        new RewardOptions(BatchSize: 8, Epochs: 1, LearningRate: 1e-3),
        PpoPrompts: 24,
        PpoIterations: 3,
        new PpoOptions(BatchSize: 8, MiniBatchSize: 4, Epochs: 1, MaxNewTokens: 40, ActorLearningRate: 1e-4, CriticLearningRate: 1e-4),
        new DpoOptions(BatchSize: 8, Epochs: 1, LearningRate: 1e-4),
        EvalPrompts: 8,
        MaxNewTokens: 40,
        CheckpointEvery: 1);

    /// <summary>The shipped policy: GptConfig.Default on a few thousand generated homes.</summary>
    public static TrainingPreset Default { get; } = new(
        "default",
        GptConfig.Default,
        CorpusDocuments: 3000,
        SftExamples: 12000,
        new PretrainOptions(LearningRate: 1e-3, BatchSize: 16, Steps: 600, WarmupSteps: 30),
        new SftOptions(LearningRate: 1e-3, BatchSize: 16, Epochs: 3, WarmupSteps: 50),
        PolicyRankings: 200,
        GeneratedRankings: 600,
        K: 4,
        HeldOutShare: 0.15,
        new RewardOptions(BatchSize: 8, Epochs: 2, LearningRate: 1e-4),
        PpoPrompts: 500,
        PpoIterations: 20,
        new PpoOptions(BatchSize: 32, MiniBatchSize: 8, Epochs: 2, MaxNewTokens: 56, ActorLearningRate: 2e-5, CriticLearningRate: 1e-4, KlTarget: 4.0),
        new DpoOptions(Beta: 0.1, BatchSize: 8, Epochs: 2, LearningRate: 2e-5),
        EvalPrompts: 40,
        MaxNewTokens: 56,
        CheckpointEvery: 2);

    /// <summary>The preset called <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static TrainingPreset ByName(string name) => name switch
    {
        "tiny" => Tiny,
        "default" => Default,
        _ => throw new ArgumentException($"unknown preset '{name}': use {string.Join(" or ", Names)}.", nameof(name)),
    };
}
