using CoopAgent.Alignment.Training;

namespace CoopAgent.Server.Retraining;

/// <summary>How much one retrain does. <see cref="Tiny"/> runs inside the tests (seconds); <see cref="Default"/> is
/// for the shipped policy on this 2-core machine (minutes).</summary>
/// <param name="Name">tiny or default.</param>
/// <param name="Reward">Reward-model settings for continuing from the serving policy's reward model.</param>
/// <param name="ReplayPairs">Pairs ranked by simulated people (the pipeline's preference data: ReplayPairs/3 rankings of
/// three planner candidates, a quarter held out) mixed into reward training, so that a small feedback batch cannot wipe
/// what the reward model knew.</param>
/// <param name="FeedbackRepeats">How many times each logged pair appears per reward epoch (a person's word weighs more than one replayed pair).</param>
/// <param name="HouseholdPrompts">Generated household prompts PPO draws from beside the logged chat contexts.</param>
/// <param name="PpoIterations">PPO iterations.</param>
/// <param name="Ppo">PPO settings (the reference is the serving policy).</param>
/// <param name="CheckpointEvery">PPO iterations between resumable checkpoints in the run folder.</param>
/// <param name="ScenarioIds">Built-in scenarios the gate evaluates both policies on (empty: all of them).</param>
/// <param name="HeldOutShare">Share of the logged contexts held out for the gate (by a hash of the prompt).</param>
/// <param name="Demonstrations">Supervised steps on the corrections people wrote, before PPO.</param>
/// <param name="GateEpisodes">Episodes per gate scenario (a small suite needs several, or one odd episode decides).</param>
/// <param name="ProposalSamples">First turns sampled per gate scenario to measure how often proposals end in a catastrophe.</param>
public sealed record RetrainSizes(
    string Name,
    RewardOptions Reward,
    int ReplayPairs,
    int FeedbackRepeats,
    int HouseholdPrompts,
    int PpoIterations,
    PpoOptions Ppo,
    int CheckpointEvery,
    IReadOnlyList<string> ScenarioIds,
    double HeldOutShare,
    SftOptions Demonstrations,
    int GateEpisodes,
    int ProposalSamples)
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "default"];

    public static RetrainSizes Tiny { get; } = new(
        "tiny",
        new RewardOptions(BatchSize: 8, Epochs: 2, LearningRate: 1e-3),
        ReplayPairs: 24,
        FeedbackRepeats: 2,
        HouseholdPrompts: 8,
        PpoIterations: 3,
        new PpoOptions(BatchSize: 8, MiniBatchSize: 4, Epochs: 2, MaxNewTokens: 56, ActorLearningRate: 1e-4, CriticLearningRate: 1e-3, KlTarget: 4.0),
        CheckpointEvery: 1,
        ScenarioIds: ["canonical-cat", "pref-hot-drink-raj"],
        HeldOutShare: 0.25,
        new SftOptions(LearningRate: 2e-3, BatchSize: 8, Epochs: 6, WarmupSteps: 1),
        GateEpisodes: 4,
        ProposalSamples: 32);

    public static RetrainSizes Default { get; } = new(
        "default",
        new RewardOptions(BatchSize: 8, Epochs: 2, LearningRate: 5e-5),
        ReplayPairs: 400,
        FeedbackRepeats: 2,
        HouseholdPrompts: 200,
        PpoIterations: 10,
        new PpoOptions(BatchSize: 32, MiniBatchSize: 8, Epochs: 2, MaxNewTokens: 56, ActorLearningRate: 2e-5, CriticLearningRate: 1e-4, KlTarget: 4.0),
        CheckpointEvery: 2,
        ScenarioIds: [],
        HeldOutShare: PreferenceDataset.DefaultHeldOutShare,
        new SftOptions(LearningRate: 2e-5, BatchSize: 8, Epochs: 2, WarmupSteps: 2),
        GateEpisodes: 1,
        ProposalSamples: 16);

    /// <summary>The sizes called <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static RetrainSizes ByName(string name) => name switch
    {
        "tiny" => Tiny,
        "default" => Default,
        _ => throw new ArgumentException($"unknown preset '{name}': use {string.Join(" or ", Names)}.", nameof(name)),
    };
}

/// <summary>One retrain: feedback database → candidate policy in <paramref name="OutFolder"/> → gate → promotion.</summary>
/// <param name="Db">The LiteDB feedback database (read through a copy, never modified).</param>
/// <param name="PolicyFolder">The policy folder (any version of it); the serving version (<see cref="PolicyVersions"/>) is retrained.</param>
/// <param name="OutFolder">The run folder: checkpoints, run.json, metrics.jsonl, plots, the candidate policy.</param>
/// <param name="Since">Only feedback updated at or after this time.</param>
/// <param name="Resume">Continue a run folder left by an interrupted retrain (refused when it was made for other inputs).</param>
/// <param name="Seed">Seeds data shuffles, replay generation, sampling and evaluation.</param>
/// <param name="Sizes">How much to train.</param>
/// <param name="SuccessTolerance">How much lower the candidate's success rate on the scenario suite may be.</param>
/// <param name="RegretTolerance">How much higher the candidate's mean regret on the scenario suite may be.</param>
/// <param name="Command">The command line, recorded in the manifest.</param>
public sealed record RetrainRequest(
    string Db,
    string PolicyFolder,
    string OutFolder,
    DateTime? Since,
    bool Resume,
    int Seed,
    RetrainSizes Sizes,
    double SuccessTolerance = 0.02,
    double RegretTolerance = 0.5,
    string? Command = null);

/// <summary>What a retrain did.</summary>
/// <param name="Promoted">Whether the candidate became the serving version.</param>
/// <param name="NewVersion">The promoted version's folder name, or null.</param>
/// <param name="Reasons">The gate's reasons, one a line: each failed check when refused, each passed check when promoted.</param>
/// <param name="Metrics">Figures measured: reward-model accuracy before/after, candidate and serving on the suite and the held-out pairs.</param>
/// <param name="DataCounts">Training data sizes: pairs per kind, ties, demonstrations, held-out pairs, replay pairs, prompts.</param>
/// <param name="CandidateFolder">The candidate policy in the run folder.</param>
public sealed record RetrainResult(
    bool Promoted,
    string? NewVersion,
    IReadOnlyList<string> Reasons,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, int> DataCounts,
    string CandidateFolder);

/// <summary>A retrain that cannot run: no feedback, an unusable policy folder, a run folder of another retrain. The
/// message is one sentence for a person; nothing was promoted.</summary>
public sealed class RetrainException : Exception
{
    public RetrainException()
    {
    }

    public RetrainException(string message) : base(message)
    {
    }

    public RetrainException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
