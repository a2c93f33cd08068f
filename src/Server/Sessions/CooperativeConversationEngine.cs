using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CoopAgent.Agent;
using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Loop;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Server.Feedback;
using CoopAgent.Server.Retraining;
using IChatClient = Microsoft.Extensions.AI.IChatClient;

namespace CoopAgent.Server.Sessions;

/// <summary>
/// The real <see cref="IConversationEngine"/>: the Agent project's <see cref="CooperativeAgent"/> over the
/// policy in <see cref="ServerOptions.PolicyDirectory"/>, with each person's belief kept in LiteDB. Agent turns
/// run on the thread pool, one at a time per session; their policy calls go to the shared
/// <see cref="PolicyBatcher"/>, which samples the calls of all sessions together on the
/// <see cref="InferenceWorker"/> thread.
/// </summary>
public sealed class CooperativeConversationEngine : IConversationEngine, IDisposable
{
    /// <summary>Most candidates kept per turn for comparison and ranking (the reply given plus distinct alternatives).</summary>
    public const int MaxCandidatesShown = 5;

    /// <summary>Alternatives drawn for feedback when the agent's own samples were all the same turn.</summary>
    private const int AlternativeCount = 3;

    private const float AlternativeTemperature = 1.3f;

    private readonly PolicyBatcher _batcher;
    private readonly InferenceWorker[] _extraWorkers;
    private readonly Func<IChatClient, IChatClient> _agentPolicy;
    private readonly LiteDbBeliefMemory _memory;
    private readonly Scenario? _freeHome;
    private readonly ILogger _logger;
    private readonly PolicyVersions? _versions;
    private readonly string _asked;
    private readonly InferencePrecision _precision;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private string? _servedFolder;
    private string? _refusedFolder;
    private string? _pointerError;

    // Each loaded version's population prior learned from logged answers (population_prior.json; null when it has
    // none), by version: registered before the version can serve, so a session started once a version serves (as /health
    // tells) gets that version's prior, never the one before.
    private readonly ConcurrentDictionary<string, LearnedPrior?> _priors = new(StringComparer.Ordinal);

    public CooperativeConversationEngine(ServerOptions options, InferenceWorker worker, FeedbackStore store, ILogger<CooperativeConversationEngine> logger)
        : this(options, worker, store, logger, agentPolicy: null)
    {
    }

    /// <summary>As the public constructor, with <paramref name="agentPolicy"/>: what each conversation's agent calls in
    /// place of the shared batcher (given the batcher); tests script the policy with it.</summary>
    internal CooperativeConversationEngine(
        ServerOptions options, InferenceWorker worker, FeedbackStore store, ILogger<CooperativeConversationEngine> logger, Func<IChatClient, IChatClient>? agentPolicy)
    {
        _agentPolicy = agentPolicy ?? (batcher => batcher);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        _asked = options.PolicyDirectory;
        _precision = options.Precision;
        var found = PolicyLocator.Find(options.PolicyDirectory);
        _versions = found is null ? null : new PolicyVersions(found);
        var folder = found is null ? null : CurrentFolder() ?? found;
        // Loaded on each inference thread: the policy's tensors live with the thread that runs them. The first lane runs
        // on the shared worker; the others on threads of their own.
        _extraWorkers = [.. Enumerable.Range(1, Math.Max(1, options.InferenceLanes) - 1).Select(_ => new InferenceWorker())];
        var lanes = new[] { worker }.Concat(_extraWorkers)
            .Select(w => (Worker: w, Loaded: w.RunAsync(_ => Load(folder, options.PolicyDirectory, options.Precision), CancellationToken.None)))
            .ToList();
        var info = lanes[0].Loaded.GetAwaiter().GetResult().Info;
        _batcher = new PolicyBatcher([.. lanes.Select(l => (l.Worker, l.Loaded.GetAwaiter().GetResult().Policy))], info, logger);
        _servedFolder = folder;
        _priors[info.Version] = LoadLearnedPrior(folder);
        if (info.Trained)
        {
            logger.LogInformation("Policy {Version} loaded from {Folder} on {Lanes} inference lane(s), computing in {Precision}", info.Version, folder, _batcher.Lanes, options.Precision.Name());
        }
        else
        {
            logger.LogWarning("No policy checkpoint at '{Policy}' (looked in the current directory, the repository root and the program folder): " +
                              "serving a freshly initialised, UNTRAINED policy in {Precision}; /health reports trained=false", options.PolicyDirectory, info.Precision);
        }

        _memory = new LiteDbBeliefMemory(store);
        var builtin = BuiltinScenarios.All();
        Scenarios = builtin.Select(s => new ScenarioSummary(s.Id, s.Title, s.Instruction)).ToList();
        _freeHome = builtin.OrderByDescending(s => s.CreateWorld().Rooms.Count).FirstOrDefault();
    }

    public PolicyInfo Policy => _batcher.Info;

    /// <summary>The shared policy (batches, swaps).</summary>
    public PolicyBatcher Batcher => _batcher;

    public IReadOnlyList<ScenarioSummary> Scenarios { get; }

    public Task<IConversation> StartAsync(string userId, SessionStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var seed = RandomNumberGenerator.GetInt32(int.MaxValue);
        IConversation conversation;
        switch (start.Source)
        {
            case HouseholdSource.Builtin:
                var scenario = BuiltinScenarios.All().FirstOrDefault(s => s.Id == start.ScenarioId)
                               ?? throw new ConversationRejectedException($"Unknown scenario '{start.ScenarioId}'. Known: {string.Join(", ", Scenarios.Select(s => s.Id))}.");
                var prior = (_priors.TryGetValue(Policy.Version, out var learned) ? learned : null)?.For(scenario) ?? scenario.Prior;
                conversation = Open(userId, scenario.Title, scenario.Instruction, scenario.CreateWorld(), prior, scenario.QuestionCost, seed);
                break;
            case HouseholdSource.Upload:
                Scenario uploaded;
                try
                {
                    uploaded = ScenarioLoader.Parse(start.ScenarioJson ?? "", origin: "upload");
                }
                catch (ScenarioException e)
                {
                    throw new ConversationRejectedException("The scenario was refused: " + e.Message);
                }

                conversation = Open(userId, uploaded.Title, uploaded.Instruction, uploaded.CreateWorld(), uploaded.Prior, uploaded.QuestionCost, seed);
                break;
            default:
                var home = _freeHome?.CreateWorld() ?? throw new ConversationRejectedException("No household is available for a free session.");
                conversation = Open(userId, "Free household", null, home, PopulationPrior.Household, questionCost: 0.5, seed);
                break;
        }

        return Task.FromResult(conversation);
    }

    /// <summary>
    /// Reads the policy's version pointer (<see cref="PolicyVersions"/>) and, when it names another folder than the
    /// one serving — a promotion or a rollback — loads that folder on the inference thread and swaps it in between
    /// batches, without a restart. A version that does not load (or a pointer that names nothing) is logged once
    /// and the serving policy stays; it is tried again when the pointer moves on.
    /// </summary>
    /// <returns>True when another version serves now.</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        if (_versions is null)
        {
            return false; // serving the untrained fallback: there are no versions to follow
        }

        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var folder = CurrentFolder();
            if (folder is not null)
            {
                _pointerError = null;
            }

            if (folder is null || folder == _servedFolder || folder == _refusedFolder)
            {
                return false;
            }

            var before = Policy.Version;
            var prior = LoadLearnedPrior(folder);
            try
            {
                await _batcher.ReplaceAsync(() =>
                {
                    var loaded = Load(folder, _asked, _precision);
                    _priors[loaded.Info.Version] = prior; // before any lane can serve it
                    return loaded;
                }, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _refusedFolder = folder;
                _logger.LogError(e, "Policy version at {Folder} does not load; {Version} keeps serving", folder, before);
                return false;
            }

            _servedFolder = folder;
            _refusedFolder = null;
            foreach (var version in _priors.Keys.Where(v => v != Policy.Version))
            {
                _priors.TryRemove(version, out _); // versions no longer serving, or that never did
            }

            _logger.LogInformation("Policy {Old} replaced by {New} from {Folder} (no restart; turns from now on record {New})", before, Policy.Version, folder, Policy.Version);
            return true;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Dispose()
    {
        _batcher.Dispose();
        foreach (var extra in _extraWorkers)
        {
            extra.Dispose();
        }

        _refreshing.Dispose();
    }

    /// <summary>The learned population prior in <paramref name="folder"/>; null when there is none or it is unreadable (logged).</summary>
    private LearnedPrior? LoadLearnedPrior(string? folder)
    {
        if (folder is null)
        {
            return null;
        }

        try
        {
            var prior = LearnedPrior.Load(folder);
            if (prior is not null)
            {
                _logger.LogInformation("Population prior learned from {Households} household(s) loaded from {Folder}", prior.Households.Count, folder);
            }

            return prior;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            _logger.LogError("The learned population prior in {Folder} is unusable ({Reason}); the households' own priors serve", folder, e.Message);
            return null;
        }
    }

    /// <summary>The serving version's folder by the pointer; null (logged once per message) when the pointer is unusable.</summary>
    private string? CurrentFolder()
    {
        try
        {
            return _versions?.CurrentFolder;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            if (_pointerError != e.Message)
            {
                _pointerError = e.Message;
                _logger.LogError("The policy version pointer cannot be used: {Reason}", e.Message);
            }

            return null;
        }
    }

    /// <summary>A conversation with its own agent over the shared policy: the agent is cheap, and its own
    /// client tells which policy version produced each of its turns.</summary>
    private Conversation Open(string userId, string title, string? instruction, World world, PopulationPrior prior, double questionCost, int seed)
    {
        var client = new TimedChatClient(_agentPolicy(_batcher));
        var agent = new CooperativeAgent("full", client, CooperativeAgentOptions.Default, _memory);
        return new(this, client, title, instruction, agent.StartConversation(world, userId, prior, questionCost, seed));
    }

    /// <summary>The policy in <paramref name="folder"/>, or (no folder) a small untrained one.</summary>
    internal static (TextPolicy Policy, PolicyInfo Info) Load(string? folder, string asked, InferencePrecision precision)
    {
        // The fallback babbles whatever its size, so it is kept small (one layer) to answer in seconds; the
        // context stays long enough for a prompt plus the agent's reply budget.
        var tokenizer = folder is null ? CompactTokenizer.Build([]) : null;
        var policy = folder is not null
            ? TextPolicy.Load(folder)
            : TextPolicy.CreateUntrained(seed: 0, tokenizer, new GptConfig(tokenizer!.Count, ContextLength: 256, Layers: 1, Heads: 2, Width: 32));
        try
        {
            policy.Model.UseInferencePrecision(precision);
        }
        catch
        {
            policy.Dispose();
            throw;
        }

        // The precision the model computes in, as it says.
        var computes = policy.Model.Precision.Name();
        return folder is not null
            ? (policy, new PolicyInfo(policy.Version, Trained: true, Source: folder, computes))
            : (policy, new PolicyInfo(policy.Version, Trained: false, Source: $"freshly initialised (no checkpoint at '{asked}')", computes));
    }

    /// <summary>Splits a reply into the policy's own tokens, decoded one by one for streaming.</summary>
    private IEnumerable<string> Tokens(string text)
    {
        var tokenizer = _batcher.Tokenizer;
        var ids = tokenizer.Encode(text);
        var emitted = 0;
        for (var i = 1; i <= ids.Length; i++)
        {
            var prefix = tokenizer.Decode(ids[..i]);
            // A byte-level token can end inside a UTF-8 character; wait for the rest of it.
            if (prefix.EndsWith('\uFFFD') && i < ids.Length)
            {
                continue;
            }

            if (prefix.Length > emitted)
            {
                yield return prefix[emitted..];
                emitted = prefix.Length;
            }
        }
    }

    private sealed class Conversation(CooperativeConversationEngine engine, TimedChatClient policy, string title, string? instruction, AgentConversation chat) : IConversation
    {
        private readonly List<(string Role, string Text)> _dialogue = [];

        public string Title { get; } = title;

        public string? Instruction { get; } = instruction;

        public HomeView Home => HomeViews.Of(chat.World);

        public BeliefView Belief => new(chat.Belief.Select(b => new BeliefBar(b.Name, b.Probability)).ToList(), null);

        public async IAsyncEnumerable<ConversationEvent> RespondAsync(string message, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var observation = chat.World.Describe();
            var prompt = Prompt(observation, message);
            List<ChatTurn> context = [.. _dialogue.Select(d => new ChatTurn(d.Role == "user" ? ChatRole.User : ChatRole.Assistant, d.Text)), new(ChatRole.User, message)];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var policyBefore = policy.Elapsed;
            // Until the person has seen something of this reply, the turn's policy calls go first (PolicyBatcher).
            policy.FollowUp = false;
            policy.TurnStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            ConversationTurn? turn = null;
            var spoken = false;
            await foreach (var step in chat.StreamAsync(message, cancellationToken))
            {
                switch (step)
                {
                    case RobotActed acted:
                        policy.FollowUp = true;
                        yield return new ActionsExecuted([new ActionStep(acted.Action.Action, acted.Action.Ok, acted.Action.Message)], Home);
                        break;
                    case RobotSaid said:
                        policy.FollowUp = true;
                        // Lines said in one turn read as one reply, as the turn's text joins them.
                        foreach (var token in engine.Tokens(spoken ? " " + said.Text : said.Text))
                        {
                            yield return new ReplyToken(token);
                        }

                        spoken = true;
                        break;
                    case TurnEnded ended:
                        turn = ended.Turn;
                        break;
                }
            }

            if (turn is null)
            {
                throw new InvalidOperationException("the agent's turn ended without its summary");
            }

            engine._logger.LogInformation(
                "Agent turn ({Kind}, {Actions} actions) took {Total} ms, {Policy} ms of it waiting for the policy",
                turn.Kind, turn.Actions.Count, clock.ElapsedMilliseconds, (long)(policy.Elapsed - policyBefore).TotalMilliseconds);
            var version = policy.LastModelId ?? engine.Policy.Version;
            var reply = turn.Kind switch
            {
                TurnKind.Asked => $"ask \"{turn.Text}\"",
                TurnKind.Replied => $"say \"{turn.Text}\"",
                _ => turn.Actions.Count > 0 ? string.Join("; ", turn.Actions.Select(a => a.Action)) : "done",
            };
            _dialogue.Add(("user", message));
            _dialogue.Add(("assistant", reply));

            var belief = new BeliefView(
                turn.Belief.Select(b => new BeliefBar(b.Name, b.Probability)).ToList(),
                turn.Kind == TurnKind.Asked ? turn.Explanation : null);
            yield return new BeliefUpdated(belief);
            if (turn.Kind == TurnKind.Asked)
            {
                yield return new QuestionAsked(turn.Text, turn.Options, turn.Explanation);
            }
            else if (!spoken)
            {
                // The lines said have streamed already; a turn that only acted closes with its summary.
                foreach (var token in engine.Tokens(turn.Text))
                {
                    yield return new ReplyToken(token);
                }
            }

            List<string> candidates = [reply, .. turn.Candidates.Where(c => c != reply).Distinct().Take(MaxCandidatesShown - 1)];
            if (candidates.Count < 2)
            {
                // A confident policy samples K identical turns, leaving nothing to compare or rank. Alternatives
                // for the feedback panel are drawn for the same context at a higher temperature — after the
                // reply has streamed, so they cost the person no waiting.
                var alternatives = await policy.GetResponseAsync(Messages(observation, context), AlternativeOptions(), cancellationToken);
                candidates.AddRange(alternatives.Messages.Select(a => a.Text.Trim()).Where(a => a.Length > 0 && a != reply).Distinct().Take(MaxCandidatesShown - 1));
            }

            var kind = turn.Kind switch
            {
                TurnKind.Asked => "question",
                TurnKind.Replied => "say",
                _ => "plan",
            };
            yield return new TurnCompleted(new TurnTranscript(prompt, candidates, 0, reply, kind, version));
        }

        public BeliefView? ApplyFeedback(ConversationFeedback feedback)
        {
            ArgumentNullException.ThrowIfNull(feedback);
            var moved = feedback switch
            {
                ThumbsFeedback thumbs => Thumbs(thumbs.Up),
                ComparisonFeedback comparison => chat.Compare(comparison.First, comparison.Second, comparison.Choice switch
                {
                    "a" => ReplyChoice.First,
                    "b" => ReplyChoice.Second,
                    "tie" => ReplyChoice.Tie,
                    "both_bad" => ReplyChoice.BothBad,
                    _ => throw new ArgumentException($"unknown choice '{comparison.Choice}'", nameof(feedback)),
                }),
                RankingFeedback ranking => chat.Rank(ranking.Replies, ranking.Ranks),
                CorrectionFeedback correction => chat.Correct(correction.Correction, correction.Shown),
                _ => false,
            };
            return moved ? Belief : null;
        }

        private bool Thumbs(bool up)
        {
            chat.Feedback(new TurnFeedback(ThumbsUp: up));
            return true;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static List<Microsoft.Extensions.AI.ChatMessage> Messages(string observation, IEnumerable<ChatTurn> dialogue) =>
        [
            new(Microsoft.Extensions.AI.ChatRole.System, observation),
            .. dialogue.Select(d => new Microsoft.Extensions.AI.ChatMessage(d.Role == ChatRole.User ? Microsoft.Extensions.AI.ChatRole.User : Microsoft.Extensions.AI.ChatRole.Assistant, d.Text)),
        ];

        private static Microsoft.Extensions.AI.ChatOptions AlternativeOptions() => new()
        {
            Temperature = AlternativeTemperature,
            MaxOutputTokens = 64,
            Seed = Random.Shared.NextInt64(),
            AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = AlternativeCount, [PolicyBatcher.BackgroundKey] = true },
        };

        /// <summary>The context of this turn in the policy's prompt layout (as text, for the feedback log).</summary>
        private string Prompt(string observation, string message)
        {
            var text = new System.Text.StringBuilder("<|bos|><|obs|>").Append(observation);
            foreach (var (role, said) in _dialogue)
            {
                text.Append(role == "user" ? "<|user|>" : "<|assistant|>").Append(said);
            }

            return text.Append("<|user|>").Append(message).Append("<|assistant|>").ToString();
        }
    }
}
