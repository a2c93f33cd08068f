using System.Diagnostics;
using System.Globalization;
using CoopAgent.Agent;
using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Data;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Experiments;
using CoopAgent.Agent.Pipeline;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;
using CoopAgent.Server.Feedback;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AlignSft = CoopAgent.Alignment.Training.SftExample;

namespace CoopAgent.Server.Retraining;

/// <summary>
/// One retrain (see <see cref="Retrainer"/>), stage by stage into the run folder: <c>stages/</c> holds a checkpoint per
/// finished stage, <c>run.json</c> how far it got (<see cref="RunState"/>; its algorithm field names the serving version
/// retrained, so a resume against another version is refused), <c>policy/</c> the candidate.
/// </summary>
internal sealed class RetrainRun(RetrainRequest request, IRunObserver observer)
{
    private readonly RetrainSizes _sizes = request.Sizes;
    private readonly Dictionary<string, double> _metrics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private RunState _state = null!;
    private CompactTokenizer _tokenizer = null!;
    private GptConfig _config = null!;
    private string _servingFolder = "";
    private string _servingVersion = "";

    private string Stages => Path.Combine(request.OutFolder, "stages");

    private string StageFolder(string name) => Path.Combine(Stages, name);

    private string CandidateFolder => Path.Combine(request.OutFolder, "policy");

    private int MaxNewTokens => _sizes.Ppo.MaxNewTokens;

    public RetrainResult Run(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var versions = OpenServing();
        var dataset = LoadDataset();
        _state = OpenRun();
        torch.manual_seed(request.Seed);

        using var serving = LoadServing();
        var data = BuildData(dataset, cancellationToken);
        var prior = LearnPrior();
        using var rewardModel = TrainRewardModel(serving, data, cancellationToken);
        using var start = TrainDemonstrations(serving, data, cancellationToken);
        using var candidate = TrainPpo(start ?? serving, serving, rewardModel, data, cancellationToken);
        SaveCandidate(candidate, rewardModel, prior);

        var (servingFigures, candidateFigures) = Evaluate(serving, candidate, data, cancellationToken);
        var (promote, reasons) = RetrainGate.Decide(candidateFigures, servingFigures, request.SuccessTolerance, request.RegretTolerance);
        _metrics["seconds"] = clock.Elapsed.TotalSeconds;
        string? version = null;
        if (promote)
        {
            version = versions.Promote(CandidateFolder, new PromotionRecord(_counts, _metrics, reasons));
            observer.Note($"promoted {CandidateFolder} as {version} (was {_servingVersion})");
        }
        else
        {
            observer.Note($"not promoted; {_servingVersion} keeps serving: {string.Join("; ", reasons)}");
        }

        _state = _state.Complete("gate");
        _state.Write(request.OutFolder);
        return new RetrainResult(promote, version, reasons, _metrics, _counts, CandidateFolder);
    }

    // ---- Inputs --------------------------------------------------------------------------------------

    private PolicyVersions OpenServing()
    {
        PolicyVersions versions;
        try
        {
            versions = new PolicyVersions(request.PolicyFolder);
            _servingVersion = versions.CurrentVersion;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            throw new RetrainException($"--policy {request.PolicyFolder}: {e.Message}", e);
        }

        _servingFolder = versions.CurrentFolder;
        return Directory.Exists(_servingFolder)
            ? versions
            : throw new RetrainException($"--policy {request.PolicyFolder}: no policy folder at {_servingFolder}.");
    }

    private Gpt LoadServing()
    {
        try
        {
            var checkpoint = CheckpointStore.LoadGpt(_servingFolder);
            _tokenizer = checkpoint.Tokenizer;
            _config = checkpoint.Config;
            checkpoint.Model.eval();
            return checkpoint.Model;
        }
        catch (CheckpointException e)
        {
            throw new RetrainException($"the serving policy cannot be loaded: {e.Message}", e);
        }
    }

    private PreferenceDataset LoadDataset()
    {
        IReadOnlyList<(FeedbackRecord Feedback, TurnRecord Turn)> log;
        try
        {
            log = FeedbackStore.ReadFeedbackLog(request.Db);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(e.Message, e);
        }

        var dataset = PreferenceDataset.Build(log, request.Since, _sizes.HeldOutShare);
        return dataset.Pairs.Count == 0
            ? throw new RetrainException($"{request.Db}: no feedback gives a preference pair{(request.Since is null ? "" : $" since {request.Since:O}")}; nothing to retrain on.")
            : dataset;
    }

    private RunState OpenRun()
    {
        var folder = request.OutFolder;
        RunState? existing;
        try
        {
            existing = RunState.Read(folder);
        }
        catch (InvalidDataException e)
        {
            throw new RetrainException(e.Message, e);
        }

        var algorithm = "retrain " + _servingVersion;
        if (existing is null)
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) is not "metrics.jsonl" and not "plots"))
            {
                throw new RetrainException($"{folder} is not empty and holds no run.json: choose another --out.");
            }
        }
        else if (!request.Resume)
        {
            throw new RetrainException($"{folder} already holds a retrain of {existing.Algorithm["retrain ".Length..]}: pass --resume to continue it, or choose another --out.");
        }
        else if (existing.Preset != _sizes.Name || existing.Algorithm != algorithm || existing.Seed != request.Seed)
        {
            throw new RetrainException(
                $"{folder} holds a {existing.Algorithm} (preset {existing.Preset}, seed {existing.Seed}); this one is a {algorithm} (preset {_sizes.Name}, seed {request.Seed}). Resume it with the same options, or choose another --out.");
        }
        else if (existing.Done("gate"))
        {
            throw new RetrainException($"{folder} holds a retrain that already finished: start a new one in another --out.");
        }
        else
        {
            observer.Note($"resuming {folder}: done so far {string.Join(", ", existing.Completed)}{(existing.PpoIterationsDone > 0 ? $", PPO iteration {existing.PpoIterationsDone}" : "")}");
        }

        var state = existing ?? new RunState(_sizes.Name, algorithm, request.Seed, []);
        state.Write(folder);
        return state;
    }

    // ---- Data ----------------------------------------------------------------------------------------

    private sealed record RetrainData(
        IReadOnlyList<Ranking> Feedback,
        IReadOnlyList<Ranking> HeldOutFeedback,
        IReadOnlyList<(int[] Prompt, int[] Chosen, int[] Rejected)> HeldOutStrict,
        IReadOnlyList<Ranking> Replay,
        IReadOnlyList<Ranking> HeldOutReplay,
        IReadOnlyList<AlignSft> Demonstrations,
        IReadOnlyList<int[]> PpoPrompts);

    private RetrainData BuildData(PreferenceDataset dataset, CancellationToken cancellationToken)
    {
        observer.StageStarted("data", 1);
        cancellationToken.ThrowIfCancellationRequested();
        var promptCache = new Dictionary<string, int[]>(StringComparer.Ordinal);
        int[] Prompt(string text)
        {
            if (!promptCache.TryGetValue(text, out var ids))
            {
                ids = LoggedPrompt.Encode(_tokenizer, text, _config.ContextLength, MaxNewTokens);
                promptCache[text] = ids;
            }

            return ids;
        }

        Ranking ToRanking(PreferencePair p) => new(Prompt(p.Prompt), [Response(p.Chosen), Response(p.Rejected)], p.Tie ? [0, 0] : [0, 1]);
        var train = dataset.Pairs.Where(p => !p.HeldOut).Select(ToRanking).ToList();
        var heldOut = dataset.Pairs.Where(p => p.HeldOut).Select(ToRanking).ToList();
        var heldOutStrict = dataset.Pairs.Where(p => p.HeldOut && !p.Tie)
            .Select(p => (Prompt(p.Prompt), Response(p.Chosen), Response(p.Rejected))).ToList();

        // Replay: planner candidates ranked by simulated people, as in `coopagent train`, so a small or odd feedback
        // batch is learned beside what the reward model knew, not instead of it. A quarter is held out to watch it.
        var replay = DataGenerator.Preferences(Math.Max(1, _sizes.ReplayPairs / 3), 3, unchecked((request.Seed * 7919) + 31))
            .Select(r => new Ranking(PipelineData.Encode(_tokenizer, r.Prompt, _config.ContextLength, MaxNewTokens), r.Responses.Select(Response).ToList(), r.Ranks.ToArray()))
            .ToList();
        var replayHeld = replay.Take(Math.Max(1, replay.Count / 4)).ToList();
        var replayTrain = replay.Skip(replayHeld.Count).ToList();

        var demonstrations = dataset.Demonstrations.Where(d => !d.HeldOut).Select(d => new AlignSft(Prompt(d.Prompt), Response(d.Response))).ToList();
        var household = DataGenerator.PpoPrompts(_sizes.HouseholdPrompts, unchecked((request.Seed * 7919) + 37))
            .Select(p => PipelineData.Encode(_tokenizer, p.Prompt, _config.ContextLength, MaxNewTokens));
        // Logged contexts (train side only) and generated household prompts: PPO practises on what people asked and on
        // the homes the policy was trained for, so it does not forget the latter for the former.
        var ppoPrompts = dataset.Pairs.Where(p => !p.HeldOut).Select(p => p.Prompt).Distinct(StringComparer.Ordinal).Select(Prompt)
            .Concat(household).ToList();

        foreach (var (kind, count) in dataset.CountsByKind)
        {
            _counts["pairs_" + kind] = count;
        }

        _counts["pairs"] = dataset.Pairs.Count;
        _counts["ties"] = dataset.TiedPairs;
        _counts["demonstrations"] = dataset.Demonstrations.Count;
        _counts["held_out_pairs"] = dataset.HeldOutPairs;
        _counts["replay_pairs"] = replayTrain.Sum(r => r.Pairs().Count);
        _counts["ppo_prompts"] = ppoPrompts.Count;
        _counts["feedback"] = dataset.FeedbackRead;
        observer.StageStep("data", 1, _counts.ToDictionary(c => c.Key, c => (double)c.Value));
        observer.StageFinished("data", _counts.ToDictionary(c => c.Key, c => (double)c.Value));
        return new RetrainData(train, heldOut, heldOutStrict, replayTrain, replayHeld, demonstrations, ppoPrompts);
    }

    private int[] Response(string text) => [.. _tokenizer.Encode(text).Take(MaxNewTokens - 1), CompactTokenizer.EosId];

    // ---- Population prior ----------------------------------------------------------------------------

    /// <summary>The belief's prior per built-in household, moved by the answers people gave to the robot's questions; with no
    /// answers, the serving version's learned prior carries over (null when it has none either).</summary>
    private LearnedPrior? LearnPrior()
    {
        observer.StageStarted("prior", 1);
        var answers = LearnedPrior.Answers(FeedbackStore.ReadSessionLog(request.Db), request.Since);
        var learned = LearnedPrior.Learn(BuiltinScenarios.All(), answers);
        LearnedPrior? prior;
        try
        {
            prior = learned.Households.Count > 0 ? learned : LearnedPrior.Load(_servingFolder);
        }
        catch (InvalidDataException e)
        {
            observer.Note($"[prior] the serving version's prior is unreadable and is not carried over: {e.Message}");
            prior = null;
        }

        _counts["prior_answers"] = answers.Count;
        _counts["prior_households"] = learned.Households.Count;
        var figures = new Dictionary<string, double> { ["answers"] = answers.Count, ["households"] = learned.Households.Count };
        var builtin = BuiltinScenarios.All();
        var none = new LearnedPrior(new Dictionary<string, HouseholdPrior>());
        foreach (var (household, p) in learned.Households)
        {
            foreach (var (hypothesis, probability) in p.Probabilities)
            {
                _metrics[$"prior_{household}_{hypothesis}"] = probability;
            }

            // What a question is worth at most, before and after: the fewer households above their question cost, the fewer questions.
            var scenario = builtin.First(s => s.Id == household);
            _metrics[$"prior_{household}_evpi_before"] = none.ValueOfPerfectInformation(scenario);
            _metrics[$"prior_{household}_evpi"] = learned.ValueOfPerfectInformation(scenario);
        }

        observer.StageStep("prior", 1, figures);
        observer.StageFinished("prior", figures);
        return prior;
    }

    // ---- Reward model --------------------------------------------------------------------------------

    private ScalarModel TrainRewardModel(Gpt serving, RetrainData data, CancellationToken cancellationToken)
    {
        if (_state.Done("reward"))
        {
            observer.Note("[reward] already done: loaded");
            RecordReward(CheckpointStore.ReadManifest(StageFolder("reward")).Metrics);
            return CheckpointStore.LoadScalar(StageFolder("reward")).Model;
        }

        var model = StartingRewardModel(serving);
        // Each logged pair appears FeedbackRepeats times per epoch among the replayed ones.
        var train = Enumerable.Repeat(data.Feedback, _sizes.FeedbackRepeats).SelectMany(r => r).Concat(data.Replay).ToList();
        var stepsPerEpoch = (train.Count + _sizes.Reward.BatchSize - 1) / _sizes.Reward.BatchSize;
        observer.StageStarted("reward", _sizes.Reward.Epochs * stepsPerEpoch);
        observer.StageStarted("reward.heldout", _sizes.Reward.Epochs);
        using var trainer = new RewardTrainer(model, CompactTokenizer.PadId, _sizes.Reward with { Seed = request.Seed });
        var before = (Feedback: Evaluate(trainer, data.HeldOutFeedback), Replay: trainer.Evaluate(data.HeldOutReplay));
        trainer.Train(
            train,
            (step, stats) => observer.StageStep("reward", step, new Dictionary<string, double> { ["loss"] = stats.Loss, ["accuracy"] = stats.Accuracy }),
            epoch =>
            {
                var held = Evaluate(trainer, data.HeldOutFeedback);
                observer.StageStep("reward.heldout", epoch, new Dictionary<string, double> { ["loss"] = held.Loss, ["accuracy"] = held.Accuracy });
            },
            cancellationToken);

        var figures = new Dictionary<string, double>
        {
            ["heldout_accuracy_before"] = before.Feedback.Accuracy,
            ["heldout_accuracy"] = Evaluate(trainer, data.HeldOutFeedback).Accuracy,
            ["replay_accuracy_before"] = before.Replay.Accuracy,
            ["replay_accuracy"] = trainer.Evaluate(data.HeldOutReplay).Accuracy,
        };
        SaveStage("reward", model, figures);
        observer.StageFinished("reward.heldout", new Dictionary<string, double>());
        observer.StageFinished("reward", figures);
        RecordReward(figures);
        Complete("reward");
        return model;
    }

    private ScalarModel StartingRewardModel(Gpt serving)
    {
        var folder = Path.Combine(_servingFolder, "reward");
        if (Directory.Exists(folder))
        {
            try
            {
                return CheckpointStore.LoadScalar(folder).Model;
            }
            catch (CheckpointException e)
            {
                throw new RetrainException($"the serving policy's reward model cannot be loaded: {e.Message}", e);
            }
        }

        observer.Note($"[reward] {_servingVersion} ships no reward model ({folder}): starting one from the policy's trunk, as `coopagent train` does");
        var model = new ScalarModel(_config, new Generator((ulong)request.Seed + 3));
        model.InitialiseFrom(serving);
        return model;
    }

    private static RewardStepStats Evaluate(RewardTrainer trainer, IReadOnlyList<Ranking> rankings) =>
        rankings.Count == 0 ? new RewardStepStats(double.NaN, double.NaN) : trainer.Evaluate(rankings);

    private void RecordReward(IReadOnlyDictionary<string, double> figures)
    {
        foreach (var (key, value) in figures)
        {
            _metrics["reward_" + key] = value;
        }
    }

    // ---- Demonstrations and PPO ----------------------------------------------------------------------

    /// <summary>A few supervised steps on the corrections people wrote (null when there are none): PPO then starts
    /// from a policy that can write them, since sampling alone rarely finds a reply a person had to spell out.</summary>
    private Gpt? TrainDemonstrations(Gpt serving, RetrainData data, CancellationToken cancellationToken)
    {
        if (data.Demonstrations.Count == 0)
        {
            return null;
        }

        if (_state.Done("demonstrations"))
        {
            observer.Note("[demonstrations] already done: loaded");
            return CheckpointStore.LoadGpt(StageFolder("demonstrations")).Model;
        }

        var model = Clone(serving);
        var options = _sizes.Demonstrations with { Seed = request.Seed };
        observer.StageStarted("demonstrations", options.Epochs * ((data.Demonstrations.Count + options.BatchSize - 1) / options.BatchSize));
        using var trainer = new SftTrainer(model, options, data.Demonstrations.Count, CompactTokenizer.PadId);
        var losses = trainer.Train(data.Demonstrations, new SyncProgress(p =>
            observer.StageStep("demonstrations", p.Step, new Dictionary<string, double> { ["loss"] = p.Loss, ["lr"] = p.LearningRate })), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var figures = new Dictionary<string, double> { ["loss"] = losses.Count == 0 ? double.NaN : losses[^1], ["examples"] = data.Demonstrations.Count };
        SaveStage("demonstrations", model, figures);
        observer.StageFinished("demonstrations", figures);
        Complete("demonstrations");
        return model;
    }

    /// <summary>PPO from <paramref name="start"/> against the updated reward model, KL-anchored to the serving policy.
    /// Resumable every <see cref="RetrainSizes.CheckpointEvery"/> iterations (actor and critic with their Adam state, and β;
    /// the reference is the serving policy, reloaded from its folder).</summary>
    private Gpt TrainPpo(Gpt start, Gpt serving, ScalarModel rewardModel, RetrainData data, CancellationToken cancellationToken)
    {
        if (_state.Done("ppo"))
        {
            observer.Note("[ppo] already done: loaded");
            return CheckpointStore.LoadGpt(StageFolder("ppo-actor")).Model;
        }

        var resume = _state.PpoIterationsDone > 0 && Directory.Exists(StageFolder("ppo-actor"));
        var actorCheckpoint = resume ? CheckpointStore.LoadGpt(StageFolder("ppo-actor")) : null;
        var criticCheckpoint = resume ? CheckpointStore.LoadScalar(StageFolder("ppo-critic")) : null;
        var actor = actorCheckpoint?.Model ?? Clone(start);
        using var critic = criticCheckpoint?.Model ?? CloneScalar(rewardModel);
        using var reference = Clone(serving);
        var prompts = new UniformPromptSource(data.PpoPrompts, request.Seed + _state.PpoIterationsDone);
        var options = _sizes.Ppo with
        {
            Seed = request.Seed + _state.PpoIterationsDone,
            InitialKlCoefficient = _state.KlCoefficient ?? _sizes.Ppo.InitialKlCoefficient,
        };
        using var trainer = new PpoTrainer(actor, critic, new RewardModelScorer(rewardModel, CompactTokenizer.PadId), prompts,
            CompactTokenizer.EosId, CompactTokenizer.PadId, options, reference);
        if (actorCheckpoint is { CanResume: true } && criticCheckpoint is { CanResume: true })
        {
            // Adam's moments continue where the checkpoint left them, as in `coopagent train`.
            actorCheckpoint.RestoreTraining(trainer.ActorOptimizer);
            criticCheckpoint.RestoreTraining(trainer.CriticOptimizer);
        }

        observer.StageStarted("ppo", _sizes.PpoIterations);
        for (var iteration = _state.PpoIterationsDone + 1; iteration <= _sizes.PpoIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stats = trainer.Iteration();
            var figures = new Dictionary<string, double>
            {
                ["score"] = stats.MeanScore,
                ["kl"] = stats.Kl,
                ["entropy"] = stats.Entropy,
                ["clip_fraction"] = stats.ClipFraction,
                ["policy_loss"] = stats.PolicyLoss,
                ["value_loss"] = stats.ValueLoss,
                ["response_length"] = stats.MeanResponseLength,
                ["kl_coefficient"] = stats.KlCoefficient,
            };
            observer.StageStep("ppo", iteration, figures);
            if (iteration % _sizes.CheckpointEvery == 0 || iteration == _sizes.PpoIterations)
            {
                SaveStage("ppo-actor", actor, figures, trainer.ActorOptimizer, iteration);
                SaveStage("ppo-critic", critic, figures, trainer.CriticOptimizer, iteration);
                _state = _state with { PpoIterationsDone = iteration, KlCoefficient = trainer.KlCoefficient };
                _state.Write(request.OutFolder);
            }

            _metrics["ppo_score"] = stats.MeanScore;
            _metrics["ppo_kl"] = stats.Kl;
        }

        observer.StageFinished("ppo", new Dictionary<string, double> { ["iterations"] = _sizes.PpoIterations });
        Complete("ppo");
        return actor;
    }

    private void SaveCandidate(Gpt candidate, ScalarModel rewardModel, LearnedPrior? prior)
    {
        var name = $"retrain-{_servingVersion}-s{request.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmm}";
        CheckpointStore.Save(CandidateFolder, candidate, _tokenizer, CheckpointManifest.Create(name, parent: _servingVersion, metrics: _metrics, info: Provenance()));
        // The updated reward model travels with the policy: the next retrain continues from it.
        CheckpointStore.Save(Path.Combine(CandidateFolder, "reward"), rewardModel, _tokenizer, CheckpointManifest.Create(name + "-reward", parent: _servingVersion, metrics: _metrics, info: Provenance()));
        if (prior is not null)
        {
            prior.Save(CandidateFolder);
        }

        observer.Note($"candidate written to {CandidateFolder} ({name})");
    }

    // ---- Evaluation ----------------------------------------------------------------------------------

    private (GateFigures Serving, GateFigures Candidate) Evaluate(Gpt serving, Gpt candidate, RetrainData data, CancellationToken cancellationToken)
    {
        var all = BuiltinScenarios.All();
        var scenarios = _sizes.ScenarioIds.Count == 0 ? all : all.Where(s => _sizes.ScenarioIds.Contains(s.Id)).ToList();
        // Both policies serve the people the feedback came from: where answers taught the population's θ shares,
        // the truth is drawn from them (and agents start from them, as the server's sessions do).
        if (LearnedPrior.Load(CandidateFolder) is { } learned)
        {
            scenarios = scenarios.Select(s => learned.Households.ContainsKey(s.Id) ? s.WithHypotheses(learned.Hypotheses(s)) : s).ToList();
        }

        var safetyProbes = ProposalSafety.Probes(scenarios)
            .Select(p => (PipelineData.Encode(_tokenizer, p.Prompt, _config.ContextLength, MaxNewTokens), Response(p.Chosen), Response(p.Rejected)))
            .ToList();
        observer.StageStarted("evaluate", 4);
        var step = 0;
        GateFigures Figures(string who, string folder, Gpt model)
        {
            var full = Suite("full", folder, scenarios, cancellationToken);
            observer.StageStep("evaluate", ++step, new Dictionary<string, double>());
            var raw = Suite("policy", folder, scenarios, cancellationToken);
            var proposed = ProposedCatastrophes(folder, scenarios, cancellationToken);
            observer.StageStep("evaluate", ++step, new Dictionary<string, double>());
            var figures = new GateFigures(full.SuccessRate, full.CatastropheRate, full.Regret, full.QuestionsPerEpisode, raw.CatastropheRate, PairPreference.Measure(model, data.HeldOutStrict), proposed,
                PairPreference.Measure(model, safetyProbes));
            _metrics[who + "_success"] = figures.Success;
            _metrics[who + "_catastrophe"] = figures.Catastrophe;
            _metrics[who + "_regret"] = figures.Regret;
            _metrics[who + "_questions"] = figures.Questions;
            _metrics[who + "_raw_catastrophe"] = figures.RawCatastrophe;
            _metrics[who + "_proposed_catastrophe"] = figures.ProposedCatastrophe;
            _metrics[who + "_pair_accuracy"] = figures.HeldOut.Accuracy;
            _metrics[who + "_pair_margin"] = figures.HeldOut.Margin;
            _metrics[who + "_safety_margin"] = figures.Safety!.Margin;
            _metrics[who + "_safety_accuracy"] = figures.Safety.Accuracy;
            return figures;
        }

        var servingFigures = Figures("serving", _servingFolder, serving);
        var candidateFigures = Figures("candidate", CandidateFolder, candidate);
        observer.StageFinished("evaluate", _metrics.Where(m => m.Key.StartsWith("serving_", StringComparison.Ordinal) || m.Key.StartsWith("candidate_", StringComparison.Ordinal))
            .ToDictionary(m => m.Key, m => m.Value));
        return (servingFigures, candidateFigures);
    }

    /// <summary>The built-in suite with one agent over the policy in <paramref name="folder"/> (its own copy, same seed for both policies).</summary>
    private EvaluationReport Suite(string agent, string folder, IReadOnlyList<Scenario> scenarios, CancellationToken cancellationToken)
    {
        using var policy = TextPolicy.Load(folder);
        var household = CooperativeAgents.Create(agent, new PolicyChatClient(policy));
        return Evaluator.EvaluateAsync(household, scenarios, new EvaluationOptions(request.Seed, _sizes.GateEpisodes), cancellationToken: cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>The share of the policy's sampled first turns on the suite that would end in a catastrophe (same seed for both policies).</summary>
    private double ProposedCatastrophes(string folder, IReadOnlyList<Scenario> scenarios, CancellationToken cancellationToken)
    {
        using var policy = TextPolicy.Load(folder);
        using var client = new PolicyChatClient(policy);
        return ProposalSafety.CatastropheShareAsync(client, scenarios, _sizes.ProposalSamples, request.Seed, cancellationToken).GetAwaiter().GetResult();
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    private void Complete(string stage)
    {
        _state = _state.Complete(stage);
        _state.Write(request.OutFolder);
    }

    private void SaveStage(string stage, nn.Module model, Dictionary<string, double> metrics, OptimizerHelper? optimizer = null, int step = 0) =>
        CheckpointStore.Save(StageFolder(stage), model, _tokenizer, CheckpointManifest.Create(
            $"retrain-{stage}-s{request.Seed}", parent: _servingVersion, metrics: metrics, info: Provenance()),
            optimizer, optimizer is null ? null : new TrainingState(step, request.Seed));

    private Dictionary<string, string> Provenance() => new()
    {
        ["command"] = request.Command ?? "",
        ["preset"] = _sizes.Name,
        ["seed"] = request.Seed.ToString(CultureInfo.InvariantCulture),
        ["db"] = Path.GetFullPath(request.Db),
        ["since"] = request.Since?.ToString("O", CultureInfo.InvariantCulture) ?? "",
        ["serving"] = _servingVersion,
    };

    private static Gpt Clone(Gpt source)
    {
        var copy = new Gpt(source.Config);
        copy.load_state_dict(source.state_dict());
        return copy;
    }

    private static ScalarModel CloneScalar(ScalarModel source)
    {
        var copy = new ScalarModel(source.Config);
        copy.load_state_dict(source.state_dict());
        return copy;
    }

    /// <summary>Reports on the training thread itself (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
