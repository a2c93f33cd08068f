using System.Diagnostics;
using System.Globalization;
using CoopAgent.Agent.Data;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AlignSft = CoopAgent.Alignment.Training.SftExample;

namespace CoopAgent.Agent.Pipeline;

/// <summary>What to train and where.</summary>
/// <param name="Preset">Sizes and settings.</param>
/// <param name="Algorithm">ppo (default), dpo, or sft (stop after supervised fine-tuning).</param>
/// <param name="OutputFolder">Run folder: run.json, stages/, policy/ (metrics and plots are the caller's).</param>
/// <param name="Seed">Seeds data, models and sampling.</param>
/// <param name="Device">Where tensors live.</param>
/// <param name="Resume">Continue the run in <paramref name="OutputFolder"/> instead of refusing a non-empty folder.</param>
/// <param name="CommandLine">How the run was started, for the policy's manifest.</param>
public sealed record TrainingRequest(TrainingPreset Preset, string Algorithm, string OutputFolder, int Seed, Device Device, bool Resume, string CommandLine);

/// <summary>What a finished run left: the policy folder and its headline figures.</summary>
public sealed record TrainingResult(string PolicyFolder, IReadOnlyDictionary<string, double> Metrics, bool OveroptimisationSeen);

/// <summary>
/// The household RLHF pipeline, one stage after another, each leaving a checkpoint in <c>stages/</c>:
/// data → tokenizer → pretraining → SFT → preference data (a simulated person ranks K samples of the SFT
/// policy, ties allowed, plus ranked planner candidates) → reward model → PPO with the curriculum (or DPO on
/// the same preferences) → <c>policy/</c>. A killed run resumes with <see cref="TrainingRequest.Resume"/>:
/// finished stages are loaded, PPO continues from its last iteration checkpoint. Every checkpoint and the run
/// state are written to a temporary name and renamed, so the folder is never half written.
/// </summary>
public sealed class TrainingPipeline(TrainingRequest request, IRunObserver observer)
{
    public static readonly IReadOnlyList<string> Algorithms = ["ppo", "dpo", "sft"];

    private readonly TrainingPreset _preset = request.Preset;
    private readonly PersonJudge _judge = new();
    private RunState _state = null!;
    private PipelineData _data = null!;
    private CompactTokenizer _tokenizer = null!;

    private string Stages => Path.Combine(request.OutputFolder, "stages");

    private string StageFolder(string name) => Path.Combine(Stages, name);

    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        if (!Algorithms.Contains(request.Algorithm))
        {
            throw new ArgumentException($"unknown algorithm '{request.Algorithm}': use {string.Join(", ", Algorithms)}.");
        }

        _state = OpenRun();
        torch.manual_seed(request.Seed);
        var clock = Stopwatch.StartNew();

        Stage("data", 1, () =>
        {
            _data = PipelineData.Generate(_preset, request.Seed);
            return new Dictionary<string, double>
            {
                ["corpus_documents"] = _data.Corpus.Count,
                ["sft_examples"] = _data.Sft.Count,
                ["generated_rankings"] = _data.GeneratedRankings.Count,
                ["ppo_prompts"] = _data.PpoPrompts.Count,
                ["eval_prompts"] = _data.EvalPrompts.Count,
            };
        }, always: true);

        using var sft = TrainSupervised(cancellationToken);
        Gpt final;
        string parent;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var overoptimised = false;
        if (request.Algorithm == "sft")
        {
            final = sft;
            parent = "pretrain";
        }
        else
        {
            // Preferences are regenerated on resume unless every stage that needs them is done.
            var needPreferences = request.Algorithm == "dpo" ? !_state.Done("dpo") : !_state.Done("reward");
            var (train, heldOut) = needPreferences ? Preferences(sft, cancellationToken) : ([], []);
            if (request.Algorithm == "dpo")
            {
                final = TrainDpo(sft, train, heldOut, metrics, cancellationToken);
            }
            else
            {
                using var rewardModel = TrainRewardModel(sft, train, heldOut, metrics, cancellationToken);
                (final, overoptimised) = TrainPpo(sft, rewardModel, metrics, cancellationToken);
            }

            parent = "sft";
        }

        using (final)
        {
            var evaluation = EvaluateOnPrompts(final, null);
            metrics["eval_gold"] = evaluation.Gold;
            metrics["eval_success"] = evaluation.Success;
            metrics["eval_parse_rate"] = evaluation.ParseRate;
            metrics["seconds"] = clock.Elapsed.TotalSeconds;
            var policyFolder = Path.Combine(request.OutputFolder, "policy");
            var name = $"{_preset.Name}-{request.Algorithm}-s{request.Seed}-{DateTime.UtcNow:yyyyMMdd-HHmm}";
            CheckpointStore.Save(policyFolder, final, _tokenizer, CheckpointManifest.Create(
                name, parent: $"{_preset.Name}-{parent}-s{request.Seed}", metrics: metrics, info: Provenance()));
            if (request.Algorithm == "ppo")
            {
                // The reward model travels with the policy: retraining from feedback continues it (`coopagent retrain`).
                CopyCheckpoint(StageFolder("reward"), Path.Combine(policyFolder, "reward"));
            }

            _state = _state.Complete("policy");
            _state.Write(request.OutputFolder);
            observer.Note($"policy written to {policyFolder} ({name})");
            return new TrainingResult(policyFolder, metrics, overoptimised);
        }
    }

    private RunState OpenRun()
    {
        var folder = request.OutputFolder;
        var existing = RunState.Read(folder);
        if (existing is null)
        {
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any(e => Path.GetFileName(e) is not "metrics.jsonl" and not "plots"))
            {
                throw new InvalidOperationException($"{folder} is not empty and holds no run.json: choose another --out.");
            }
        }
        else if (!request.Resume)
        {
            throw new InvalidOperationException($"{folder} already holds a run ({existing.Preset}, {existing.Algorithm}, seed {existing.Seed}): pass --resume to continue it, or choose another --out.");
        }
        else if (existing.Preset != _preset.Name || existing.Algorithm != request.Algorithm || existing.Seed != request.Seed)
        {
            throw new InvalidOperationException(
                $"{folder} holds a run of preset {existing.Preset}, algo {existing.Algorithm}, seed {existing.Seed}; this one is {_preset.Name}, {request.Algorithm}, seed {request.Seed}. Resume it with the same options, or choose another --out.");
        }
        else
        {
            observer.Note($"resuming {folder}: done so far {string.Join(", ", existing.Completed)}{(existing.PpoIterationsDone > 0 ? $", PPO iteration {existing.PpoIterationsDone}" : "")}");
        }

        var state = existing ?? new RunState(_preset.Name, request.Algorithm, request.Seed, []);
        state.Write(folder);
        return state;
    }

    private void Stage(string name, int steps, Func<IReadOnlyDictionary<string, double>> work, bool always = false)
    {
        if (_state.Done(name) && !always)
        {
            observer.Note($"[{name}] already done: loaded");
            return;
        }

        observer.StageStarted(name, steps);
        var summary = work();
        observer.StageFinished(name, summary);
        _state = _state.Complete(name);
        _state.Write(request.OutputFolder);
    }

    // ---- Pretraining and SFT -------------------------------------------------------------------------

    private Gpt TrainSupervised(CancellationToken cancellationToken)
    {
        Gpt? model = null;
        Stage("tokenizer", 1, () =>
        {
            _tokenizer = CompactTokenizer.Build(_data.Texts());
            return new Dictionary<string, double> { ["vocabulary"] = _tokenizer.Count };
        }, always: !_state.Done("pretrain"));

        if (_state.Done("pretrain"))
        {
            var loaded = CheckpointStore.LoadGpt(StageFolder(_state.Done("sft") ? "sft" : "pretrain"), request.Device);
            _tokenizer = loaded.Tokenizer;
            model = loaded.Model;
        }

        Stage("pretrain", _preset.Pretrain.Steps, () =>
        {
            model = new Gpt(_preset.Model(_tokenizer.Count), new Generator((ulong)request.Seed));
            model.to(request.Device);
            var documents = _data.Corpus.Select(d => (int[])[CompactTokenizer.BosId, .. _tokenizer.Encode(d.Text), CompactTokenizer.EosId]).ToList();
            using var trainer = new Pretrainer(model, _preset.Pretrain with { Seed = request.Seed }, CompactTokenizer.PadId);
            var losses = trainer.Train(documents, Report("pretrain"), cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            SaveStage("pretrain", model, null, new() { ["loss"] = Tail(losses) });
            return new Dictionary<string, double> { ["loss"] = Tail(losses) };
        });

        Stage("sft", SftSteps(), () =>
        {
            var examples = _data.Sft.Select(e => new AlignSft(
                PipelineData.Encode(_tokenizer, e.Prompt, model!.Config.ContextLength, _preset.MaxNewTokens),
                ChatPromptResponse(e.Response))).ToList();
            using var trainer = new SftTrainer(model!, _preset.Sft with { Seed = request.Seed }, examples.Count, CompactTokenizer.PadId);
            var losses = trainer.Train(examples, Report("sft"), cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            var evaluation = EvaluateOnPrompts(model!, null);
            var figures = new Dictionary<string, double>
            {
                ["loss"] = Tail(losses),
                ["eval_gold"] = evaluation.Gold,
                ["eval_success"] = evaluation.Success,
                ["eval_parse_rate"] = evaluation.ParseRate,
            };
            SaveStage("sft", model!, "pretrain", figures);
            return figures;
        });

        return model!;
    }

    private int SftSteps() => _preset.Sft.Epochs * ((_preset.SftExamples + _preset.Sft.BatchSize - 1) / _preset.Sft.BatchSize);

    private int[] ChatPromptResponse(string response) =>
        [.. _tokenizer.Encode(response).Take(_preset.MaxNewTokens - 1), CompactTokenizer.EosId];

    // ---- Preferences and the reward model ---------------------------------------------------------------

    /// <summary>Rankings for the reward model and DPO: K samples of the SFT policy per prompt ranked by the
    /// simulated person (on-policy), plus ranked planner candidates (off-policy); split into train and held out.</summary>
    private (IReadOnlyList<Ranking> Train, IReadOnlyList<Ranking> HeldOut) Preferences(Gpt sft, CancellationToken cancellationToken)
    {
        var rankings = new List<Ranking>();
        var ties = 0;
        observer.StageStarted("preferences", _data.RankingPrompts.Count + 1);
        var sampler = new Sampler(sft, CompactTokenizer.EosId, CompactTokenizer.PadId);
        using var generator = new Generator((ulong)request.Seed + 17);
        var options = new SamplingOptions(_preset.MaxNewTokens, Temperature: 1.0);
        for (var i = 0; i < _data.RankingPrompts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prompt = _data.RankingPrompts[i];
            var tokens = PipelineData.Encode(_tokenizer, prompt.Prompt, sft.Config.ContextLength, _preset.MaxNewTokens);
            var samples = sampler.Generate(Enumerable.Repeat(tokens, _preset.K).ToList(), options, generator, cancellationToken: cancellationToken);
            var texts = samples.Select(s => _tokenizer.Decode(s.Tokens, skipSpecialTokens: true)).ToList();
            var ranks = _judge.Rank(prompt.Gold, texts, request.Seed + i);
            ties += ranks.Length - ranks.Distinct().Count();
            rankings.Add(new Ranking(tokens, texts.Select(ChatPromptResponse).ToList(), ranks));
            observer.StageStep("preferences", i + 1, new Dictionary<string, double> { ["distinct_ranks"] = ranks.Distinct().Count() });
        }

        foreach (var r in _data.GeneratedRankings)
        {
            var tokens = PipelineData.Encode(_tokenizer, r.Prompt, sft.Config.ContextLength, _preset.MaxNewTokens);
            rankings.Add(new Ranking(tokens, r.Responses.Select(ChatPromptResponse).ToList(), r.Ranks.ToArray()));
            ties += r.Ranks.Count - r.Ranks.Distinct().Count();
        }

        // Rankings where everything ties teach the reward model nothing about order; they still pull scores together.
        var shuffled = rankings.ToArray();
        new Random(request.Seed).Shuffle(shuffled);
        var heldOutCount = Math.Max(1, (int)Math.Round(shuffled.Length * _preset.HeldOutShare));
        var heldOut = shuffled.Take(heldOutCount).ToList();
        var train = shuffled.Skip(heldOutCount).ToList();
        observer.StageFinished("preferences", new Dictionary<string, double>
        {
            ["rankings"] = rankings.Count,
            ["policy_rankings"] = _data.RankingPrompts.Count,
            ["tied_responses"] = ties,
            ["held_out"] = heldOut.Count,
        });
        return (train, heldOut);
    }

    private ScalarModel TrainRewardModel(Gpt sft, IReadOnlyList<Ranking> train, IReadOnlyList<Ranking> heldOut,
        Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        ScalarModel? model = null;
        if (_state.Done("reward"))
        {
            model = CheckpointStore.LoadScalar(StageFolder("reward"), request.Device).Model;
        }

        var stepsPerEpoch = (train.Count + _preset.Reward.BatchSize - 1) / _preset.Reward.BatchSize;
        Stage("reward", _preset.Reward.Epochs * stepsPerEpoch, () =>
        {
            model = new ScalarModel(sft.Config, new Generator((ulong)request.Seed + 3));
            model.InitialiseFrom(sft);
            model.to(request.Device);
            using var trainer = new RewardTrainer(model, CompactTokenizer.PadId, _preset.Reward with { Seed = request.Seed });
            var before = trainer.Evaluate(heldOut);
            trainer.Train(
                train,
                (step, stats) => observer.StageStep("reward", step, new Dictionary<string, double> { ["loss"] = stats.Loss, ["accuracy"] = stats.Accuracy }),
                epoch =>
                {
                    var held = trainer.Evaluate(heldOut);
                    observer.StageStep("reward.heldout", epoch, new Dictionary<string, double> { ["loss"] = held.Loss, ["accuracy"] = held.Accuracy });
                },
                cancellationToken);

            var after = trainer.Evaluate(heldOut);
            var figures = new Dictionary<string, double>
            {
                ["heldout_accuracy_before"] = before.Accuracy,
                ["heldout_accuracy"] = after.Accuracy,
                ["heldout_loss"] = after.Loss,
            };
            SaveStage("reward", model, "sft", figures);
            return figures;
        });

        var final = CheckpointStore.ReadManifest(StageFolder("reward")).Metrics;
        metrics["reward_heldout_accuracy"] = final.GetValueOrDefault("heldout_accuracy", double.NaN);
        return model!;
    }

    // ---- PPO -------------------------------------------------------------------------------------------

    private (Gpt Policy, bool Overoptimised) TrainPpo(Gpt sft, ScalarModel rewardModel, Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var resume = _state.PpoIterationsDone > 0 && Directory.Exists(StageFolder("ppo-actor"));
        var actorCheckpoint = resume ? CheckpointStore.LoadGpt(StageFolder("ppo-actor"), request.Device) : null;
        var criticCheckpoint = resume ? CheckpointStore.LoadScalar(StageFolder("ppo-critic"), request.Device) : null;
        var actor = actorCheckpoint?.Model ?? Clone(sft);
        using var critic = criticCheckpoint?.Model ?? CloneScalar(rewardModel);
        using var reference = resume ? CheckpointStore.LoadGpt(StageFolder("ppo-reference"), request.Device).Model : Clone(sft);
        var promptTokens = _data.PpoPrompts.Select(p => PipelineData.Encode(_tokenizer, p.Prompt, sft.Config.ContextLength, _preset.MaxNewTokens)).ToList();
        var environment = new HouseholdPpoEnvironment(_data.PpoPrompts, promptTokens,
            new RewardModelScorer(rewardModel, CompactTokenizer.PadId), _tokenizer, _judge,
            new Alignment.Curriculum.CurriculumOptions(Seed: request.Seed + _state.PpoIterationsDone));
        var options = _preset.Ppo with
        {
            Seed = request.Seed + _state.PpoIterationsDone,
            InitialKlCoefficient = _state.KlCoefficient ?? _preset.Ppo.InitialKlCoefficient,
        };
        using var trainer = new PpoTrainer(actor, critic, environment, environment, CompactTokenizer.EosId, CompactTokenizer.PadId, options, reference);
        if (actorCheckpoint is { CanResume: true } && criticCheckpoint is { CanResume: true })
        {
            // Adam's moments continue where the checkpoint left them (a checkpoint from before they were saved restarts them).
            actorCheckpoint.RestoreTraining(trainer.ActorOptimizer);
            criticCheckpoint.RestoreTraining(trainer.CriticOptimizer);
        }

        observer.StageStarted("ppo", _preset.PpoIterations);
        observer.StageStarted("ppo.eval", _preset.PpoIterations);
        var history = new List<(double Proxy, double Gold)>();
        var overoptimised = false;
        if (!resume)
        {
            var start = EvaluateOnPrompts(actor, rewardModel);
            observer.StageStep("ppo.eval", 0, start.Figures());
            Keep(actor, 0, start.Gold, force: true);
        }

        for (var iteration = _state.PpoIterationsDone + 1; iteration <= _preset.PpoIterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stats = trainer.Iteration();
            var figures = new Dictionary<string, double>
            {
                ["score"] = stats.MeanScore,
                ["gold"] = environment.LastGold,
                ["success"] = environment.LastSuccessRate,
                ["kl"] = stats.Kl,
                ["entropy"] = stats.Entropy,
                ["clip_fraction"] = stats.ClipFraction,
                ["approx_kl"] = stats.ApproxKl,
                ["policy_loss"] = stats.PolicyLoss,
                ["value_loss"] = stats.ValueLoss,
                ["response_length"] = stats.MeanResponseLength,
                ["finished"] = stats.FinishedFraction,
                ["kl_coefficient"] = stats.KlCoefficient,
                ["curriculum_in_band"] = environment.ShareInBand(),
            };
            observer.StageStep("ppo", iteration, figures);

            if (iteration % _preset.CheckpointEvery == 0 || iteration == _preset.PpoIterations)
            {
                var evaluation = EvaluateOnPrompts(actor, rewardModel);
                observer.StageStep("ppo.eval", iteration, evaluation.Figures());
                history.Add((evaluation.Proxy, evaluation.Gold));
                Keep(actor, iteration, evaluation.Gold, force: false);
                if (!overoptimised && Overoptimising(history))
                {
                    overoptimised = true;
                    observer.Note($"[ppo] overoptimisation seen at iteration {iteration}: proxy reward rose while gold fell (best gold {_state.BestGold:F3} at iteration {_state.BestIteration}); the best-gold checkpoint is kept.");
                }

                // Resumable point: actor and critic with their Adam moments, reference and where the KL controller stood.
                SaveStage("ppo-actor", actor, "sft", figures, trainer.ActorOptimizer, iteration);
                SaveStage("ppo-critic", critic, "reward", figures, trainer.CriticOptimizer, iteration);
                SaveStage("ppo-reference", trainer.Reference, "sft", figures);
                _state = _state with { PpoIterationsDone = iteration, KlCoefficient = trainer.KlCoefficient };
                _state.Write(request.OutputFolder);
            }
        }

        observer.StageFinished("ppo.eval", new Dictionary<string, double>());
        observer.StageFinished("ppo", new Dictionary<string, double>
        {
            ["best_gold"] = _state.BestGold ?? double.NaN,
            ["best_iteration"] = _state.BestIteration ?? 0,
        });
        _state = _state.Complete("ppo");
        _state.Write(request.OutputFolder);
        metrics["ppo_best_gold"] = _state.BestGold ?? double.NaN;
        metrics["ppo_best_iteration"] = _state.BestIteration ?? 0;
        metrics["overoptimisation_seen"] = overoptimised ? 1 : 0;
        actor.Dispose();
        return (CheckpointStore.LoadGpt(StageFolder("ppo-best"), request.Device).Model, overoptimised);
    }

    /// <summary>Saves the actor as <c>ppo-best</c> when its gold reward beats the best so far.</summary>
    private void Keep(Gpt actor, int iteration, double gold, bool force)
    {
        if (!force && _state.BestGold is { } best && !(gold > best))
        {
            return;
        }

        SaveStage("ppo-best", actor, "sft", new() { ["gold"] = gold, ["iteration"] = iteration });
        _state = _state with { BestGold = gold, BestIteration = iteration };
        _state.Write(request.OutputFolder);
    }

    /// <summary>Proxy up and gold down over the last three evaluations, gold below its best.</summary>
    internal static bool Overoptimising(List<(double Proxy, double Gold)> history)
    {
        if (history.Count < 3)
        {
            return false;
        }

        var (p0, g0) = history[^3];
        var (p2, g2) = history[^1];
        return p2 > p0 && g2 < g0 - GoldDropTolerance && g2 < history.Max(h => h.Gold) - GoldDropTolerance;
    }

    /// <summary>How far gold must fall (utility units; a task is worth about 10) to count: a run once "saw"
    /// overoptimisation in a 5.674 → 5.671 wobble of one held-out turn's step count.</summary>
    private const double GoldDropTolerance = 0.05;

    // ---- DPO -------------------------------------------------------------------------------------------

    private Gpt TrainDpo(Gpt sft, IReadOnlyList<Ranking> train, IReadOnlyList<Ranking> heldOut, Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var pairs = train.SelectMany(r => r.ToPreferencePairs()).ToList();
        var heldPairs = heldOut.SelectMany(r => r.ToPreferencePairs()).ToList();
        if (_state.Done("dpo"))
        {
            return CheckpointStore.LoadGpt(StageFolder("dpo"), request.Device).Model;
        }

        var policy = Clone(sft);
        var stepsPerEpoch = (pairs.Count + _preset.Dpo.BatchSize - 1) / _preset.Dpo.BatchSize;
        Stage("dpo", _preset.Dpo.Epochs * stepsPerEpoch, () =>
        {
            using var trainer = new DpoTrainer(policy, CompactTokenizer.PadId, _preset.Dpo with { Seed = request.Seed });
            var before = trainer.Evaluate(heldPairs);
            var order = Enumerable.Range(0, pairs.Count).ToArray();
            var random = new Random(request.Seed);
            var step = 0;
            for (var epoch = 0; epoch < _preset.Dpo.Epochs; epoch++)
            {
                random.Shuffle(order);
                foreach (var chunk in order.Chunk(_preset.Dpo.BatchSize))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var s = trainer.Step(chunk.Select(i => pairs[i]).ToList());
                    observer.StageStep("dpo", ++step, new Dictionary<string, double> { ["loss"] = s.Loss, ["margin"] = s.Margin, ["accuracy"] = s.Accuracy });
                }
            }

            var after = trainer.Evaluate(heldPairs);
            var figures = new Dictionary<string, double>
            {
                ["heldout_margin_before"] = before.Margin,
                ["heldout_margin"] = after.Margin,
                ["heldout_accuracy"] = after.Accuracy,
                ["pairs"] = pairs.Count,
            };
            SaveStage("dpo", policy, "sft", figures);
            return figures;
        });
        metrics["dpo_heldout_margin"] = CheckpointStore.ReadManifest(StageFolder("dpo")).Metrics.GetValueOrDefault("heldout_margin", double.NaN);
        return policy;
    }

    // ---- Evaluation on held-out prompts -------------------------------------------------------------------

    /// <summary>Gold and (when a reward model is given) proxy reward of the policy's greedy turn on the held-out prompts.</summary>
    private PromptEvaluation EvaluateOnPrompts(Gpt policy, ScalarModel? rewardModel) =>
        PromptEvaluation.Measure(policy, rewardModel, _data.EvalPrompts, _tokenizer, _judge, _preset.MaxNewTokens);

    // ---- Helpers ---------------------------------------------------------------------------------------

    private void SaveStage(string stage, nn.Module model, string? parent, Dictionary<string, double> metrics, OptimizerHelper? optimizer = null, int step = 0) =>
        CheckpointStore.Save(StageFolder(stage), model, _tokenizer, CheckpointManifest.Create(
            $"{_preset.Name}-{stage}-s{request.Seed}", parent: parent is null ? null : $"{_preset.Name}-{parent}-s{request.Seed}",
            metrics: metrics, info: Provenance()),
            optimizer, optimizer is null ? null : new TrainingState(step, request.Seed));


    /// <summary>Copies a checkpoint folder's files (it has no subfolders), replacing what was there.</summary>
    private static void CopyCheckpoint(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    private Dictionary<string, string> Provenance() => new()
    {
        ["command"] = request.CommandLine,
        ["preset"] = _preset.Name,
        ["algo"] = request.Algorithm,
        ["seed"] = request.Seed.ToString(CultureInfo.InvariantCulture),
        ["corpus_documents"] = _preset.CorpusDocuments.ToString(CultureInfo.InvariantCulture),
        ["sft_examples"] = _preset.SftExamples.ToString(CultureInfo.InvariantCulture),
        ["policy_rankings"] = _preset.PolicyRankings.ToString(CultureInfo.InvariantCulture),
        ["generated_rankings"] = _preset.GeneratedRankings.ToString(CultureInfo.InvariantCulture),
        ["k"] = _preset.K.ToString(CultureInfo.InvariantCulture),
        ["ppo_prompts"] = _preset.PpoPrompts.ToString(CultureInfo.InvariantCulture),
        ["ppo_iterations"] = _preset.PpoIterations.ToString(CultureInfo.InvariantCulture),
        ["device"] = request.Device.type.ToString(),
    };

    private Gpt Clone(Gpt source)
    {
        var copy = new Gpt(source.Config);
        copy.load_state_dict(source.state_dict());
        copy.to(request.Device);
        return copy;
    }

    private ScalarModel CloneScalar(ScalarModel source)
    {
        var copy = new ScalarModel(source.Config);
        copy.load_state_dict(source.state_dict());
        copy.to(request.Device);
        return copy;
    }

    private SyncProgress Report(string stage) => new SyncProgress(p =>
        observer.StageStep(stage, p.Step, new Dictionary<string, double> { ["loss"] = p.Loss, ["lr"] = p.LearningRate }));

    private static double Tail(IReadOnlyList<double> losses) =>
        losses.Count == 0 ? double.NaN : losses.Skip(Math.Max(0, losses.Count - 10)).Average();

    /// <summary>Reports on the training thread itself (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
