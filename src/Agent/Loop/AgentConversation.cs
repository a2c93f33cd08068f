using System.Runtime.CompilerServices;
using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Loop;

/// <summary>What a chat turn came to.</summary>
public enum TurnKind
{
    /// <summary>The agent asks; <see cref="ConversationTurn.Options"/> holds the choices (possibly none).</summary>
    Asked,

    /// <summary>The agent acted on the home; <see cref="ConversationTurn.Actions"/> lists what ran.</summary>
    Acted,

    /// <summary>The agent answered in words (<c>say</c>) and did nothing else.</summary>
    Replied,
}

/// <summary>One robot action run on the home, with the simulator's verdict.</summary>
public sealed record ExecutedAction(string Action, bool Ok, string Message);

/// <summary>Feedback on the last turn: a thumb, or which of the candidates the person would have preferred.</summary>
public sealed record TurnFeedback(bool? ThumbsUp = null, int? ChosenCandidate = null);

/// <summary>"Which is better" between two replies.</summary>
public enum ReplyChoice
{
    /// <summary>The first reply is better.</summary>
    First,

    /// <summary>The second reply is better.</summary>
    Second,

    /// <summary>Equally good.</summary>
    Tie,

    /// <summary>Both worse than doing nothing.</summary>
    BothBad,
}

/// <summary>
/// One turn of a chat as the server shows it: the question (with options) or what was done, the reply text,
/// why, the belief after the turn (for the chart), and the candidates the policy proposed (for the feedback log).
/// </summary>
public sealed record ConversationTurn(
    TurnKind Kind,
    string Text,
    IReadOnlyList<string> Options,
    string Explanation,
    IReadOnlyList<ExecutedAction> Actions,
    IReadOnlyList<BeliefEntry> Belief,
    IReadOnlyList<string> Candidates);

/// <summary>What the agent did while handling one message, reported as it happened
/// (<see cref="AgentConversation.StreamAsync"/>).</summary>
public abstract record ConversationStep;

/// <summary>A robot action just ran on the home (the home already shows its effect).</summary>
public sealed record RobotActed(ExecutedAction Action) : ConversationStep;

/// <summary>The robot said a line (<c>say</c>).</summary>
public sealed record RobotSaid(string Text) : ConversationStep;

/// <summary>The turn is over: what it came to, as <see cref="AgentConversation.SendAsync"/> returns it. Always the last step.</summary>
public sealed record TurnEnded(ConversationTurn Turn) : ConversationStep;

/// <summary>
/// A chat between one user and the agent about one home. The first message (and any message that does not
/// answer a pending question) is an instruction and starts a new episode on the same home; the belief carries
/// over through the agent's <see cref="IBeliefMemory"/>. Not thread-safe: one <see cref="SendAsync"/> or <see cref="StreamAsync"/> at a time.
/// Without a scenario to judge success, goal_met is the agent's own reading of the words (<see cref="GoalModel"/>).
/// </summary>
public sealed class AgentConversation
{
    /// <summary>Most actions one message may set off.</summary>
    public const int MaxStepsPerMessage = 30;

    private readonly CooperativeAgent _agent;
    private readonly World _world;
    private readonly string _userId;
    private readonly PopulationPrior _prior;
    private readonly double _questionCost;
    private readonly int _seed;
    private readonly List<DialogueTurn> _dialogue = [];
    private CooperativeEpisode? _episode;
    private IReadOnlyList<string>? _pendingOptions;
    private bool _pendingQuestion;
    private string _instruction = "";
    private int _step;
    private int _episodes;
    private StepResult? _last;
    private World? _turnStart;

    internal AgentConversation(CooperativeAgent agent, World world, string userId, PopulationPrior prior, double questionCost, int seed)
    {
        _agent = agent;
        _world = world;
        _userId = userId;
        _prior = prior;
        _questionCost = questionCost;
        _seed = seed;
    }

    /// <summary>The current belief, most likely first (the prior, or the user's memory, before any message).</summary>
    public IReadOnlyList<BeliefEntry> Belief =>
        (_episode?.Belief ?? RewardHypotheses.From(_prior, _agent.Options.OtherMass).NewBelief(_agent.Options.Epsilon, _agent.Memory?.Load(_userId))).Distribution();

    public double Entropy => _episode?.Belief.Entropy() ?? 0;

    public World World => _world;

    /// <summary>Sends the user's message and runs the agent until it asks, replies or finishes.</summary>
    public async Task<ConversationTurn> SendAsync(string message, CancellationToken cancellationToken = default)
    {
        await foreach (var step in StreamAsync(message, cancellationToken))
        {
            if (step is TurnEnded ended)
            {
                return ended.Turn;
            }
        }

        throw new InvalidOperationException("the turn ended without its summary");
    }

    /// <summary>
    /// Sends the user's message and reports what the agent does as it does it: each robot action the moment it ran on
    /// the home (<see cref="RobotActed"/>), each line said (<see cref="RobotSaid"/>), then the whole turn
    /// (<see cref="TurnEnded"/>, the same <see cref="ConversationTurn"/> <see cref="SendAsync"/> returns; a question
    /// arrives there). A turn can make several policy calls (decide, look, decide again), so a chat can show the first
    /// action while the next decision is still being sampled. Stopping the enumeration early leaves the turn cut
    /// where it stopped, as cancellation does.
    /// </summary>
    public async IAsyncEnumerable<ConversationStep> StreamAsync(string message, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        _turnStart = RobotView.Of(_world);
        if (_episode is null || !_pendingQuestion)
        {
            StartEpisode(message);
        }
        else
        {
            var choice = _pendingOptions is { Count: > 0 } options ? CooperativeEpisode.MatchAnswer(message, options) : null;
            _dialogue.Add(new DialogueTurn(Speaker.User, message, choice is int k && k < _pendingOptions!.Count ? k : null));
            _pendingQuestion = false;
        }

        var episode = _episode!;
        var executed = new List<ExecutedAction>();
        var said = new List<string>();
        var candidates = new List<string>();
        for (var i = 0; i < MaxStepsPerMessage; i++)
        {
            var view = RobotView.Of(_world);
            var observation = new Observation(_step, _instruction, _world.Describe(), view, _dialogue.ToList(), _last);
            var turn = await episode.NextAsync(observation, cancellationToken);
            _step++;
            candidates.AddRange(turn.Candidates ?? []);
            var parsed = ActionParser.Parse(turn.Action);
            if (parsed.Action is { Verb: Verb.Ask } ask)
            {
                _last = Simulator.Execute(_world, ask);
                _dialogue.Add(new DialogueTurn(Speaker.Assistant, ask.ToString()));
                _pendingQuestion = true;
                _pendingOptions = turn.Options;
                var options = (turn.Options ?? []).Select(CooperativeEpisode.Describe).ToList();
                yield return new TurnEnded(new ConversationTurn(TurnKind.Asked, ask.Text, options, episode.Explanation, executed, episode.Belief.Distribution(), candidates));
                yield break;
            }

            if (parsed.Action is { Verb: Verb.Say } say)
            {
                _last = Simulator.Execute(_world, say);
                _dialogue.Add(new DialogueTurn(Speaker.Assistant, say.ToString()));
                said.Add(say.Text);
                yield return new RobotSaid(say.Text);
                continue;
            }

            if (parsed.Action is null or { Verb: Verb.Done })
            {
                // done ends the task, not the chat: the home stays open for the next instruction.
                break;
            }

            _last = episode.LastExecuted ?? StepResult.Failed("the action did not run", parsed.Action, turn.Action);
            var action = new ExecutedAction(turn.Action, _last.Ok, _last.Message);
            executed.Add(action);
            yield return new RobotActed(action);
        }

        var kind = executed.Count == 0 && said.Count > 0 ? TurnKind.Replied : TurnKind.Acted;
        var text = said.Count > 0 ? string.Join(" ", said)
            : executed.Count == 0 ? "I did nothing for now."
            : $"Done: {string.Join("; ", executed.Where(e => e.Ok).Select(e => e.Action))}.";
        yield return new TurnEnded(new ConversationTurn(kind, text, [], episode.Explanation, executed, episode.Belief.Distribution(), candidates));
    }

    /// <summary>Feedback on the last turn updates the belief (and so the user's memory).</summary>
    public void Feedback(TurnFeedback feedback)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        if (_episode is null)
        {
            return;
        }

        if (feedback.ThumbsUp is bool up)
        {
            _episode.Thumbs(up);
        }

        if (feedback.ChosenCandidate is int index)
        {
            _episode.PreferCandidate(index);
        }
    }

    /// <summary>The person ranked replies to the last message (the reply given, the policy's alternatives, any
    /// text): <paramref name="ranks"/>[i] is reply i's rank, 1 best, equal ranks ties. The belief moves towards the
    /// hypotheses under which the better-ranked replies are better (<see cref="CooperativeEpisode.PreferReplies"/>).</summary>
    /// <returns>True when the belief moved; false before any message or when no two replies could be scored.</returns>
    public bool Rank(IReadOnlyList<string> replies, IReadOnlyList<int> ranks)
    {
        ArgumentNullException.ThrowIfNull(replies);
        ArgumentNullException.ThrowIfNull(ranks);
        if (ranks.Count != replies.Count)
        {
            throw new ArgumentException($"{ranks.Count} ranks for {replies.Count} replies", nameof(ranks));
        }

        var pairs = new List<OptionPair>();
        for (var i = 0; i < replies.Count; i++)
        {
            for (var j = i + 1; j < replies.Count; j++)
            {
                pairs.Add(ranks[i] <= ranks[j] ? new OptionPair(i, j, ranks[i] == ranks[j]) : new OptionPair(j, i));
            }
        }

        return Prefer(replies, pairs);
    }

    /// <summary>"Which is better" between two replies to the last message; "both bad" reads as each worse than doing nothing.</summary>
    /// <returns>True when the belief moved.</returns>
    public bool Compare(string first, string second, ReplyChoice choice)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return choice switch
        {
            ReplyChoice.First => Prefer([first, second], [new OptionPair(0, 1)]),
            ReplyChoice.Second => Prefer([first, second], [new OptionPair(1, 0)]),
            ReplyChoice.Tie => Prefer([first, second], [new OptionPair(0, 1, Tie: true)]),
            _ => Prefer([first, second, CooperativeEpisode.DoNothing], [new OptionPair(2, 0), new OptionPair(2, 1)]),
        };
    }

    /// <summary>The person wrote the reply the agent should have given to the last message, having seen
    /// <paramref name="shown"/> (<see cref="CooperativeEpisode.Corrected"/>).</summary>
    /// <returns>True when the belief moved; false when the correction is not something the robot could have done.</returns>
    public bool Correct(string correction, IReadOnlyList<string> shown)
    {
        ArgumentNullException.ThrowIfNull(correction);
        ArgumentNullException.ThrowIfNull(shown);
        return _episode is not null && _turnStart is not null && _episode.Corrected(_turnStart, correction, shown);
    }

    private bool Prefer(IReadOnlyList<string> replies, IReadOnlyList<OptionPair> pairs) =>
        _episode is not null && _turnStart is not null && _episode.PreferReplies(_turnStart, replies, pairs);

    private void StartEpisode(string instruction)
    {
        _instruction = instruction;
        _dialogue.Clear();
        _dialogue.Add(new DialogueTurn(Speaker.User, instruction));
        _pendingQuestion = false;
        _pendingOptions = null;
        _last = null;
        _step = 0;
        var goal = new GoalModel(instruction, RobotView.Of(_world), _userId);
        var startView = RobotView.Of(_world);
        var hypotheses = _prior.Hypotheses.Select(h => new ScenarioHypothesis(h.Theta, h.Probability, null, null)).ToList();
        var start = new EpisodeStart("chat", instruction, _userId, hypotheses, MaxStepsPerMessage, _questionCost, _seed + _episodes++,
            (end, hypothesis) => Judge(goal, startView, end, hypothesis));
        _episode = _agent.BeginCooperativeEpisode(start, _world);
    }

    private static ScenarioVerdict Judge(GoalModel goal, World start, World end, ScenarioHypothesis hypothesis)
    {
        end.Outcome.GoalMet = goal.Estimate(start, end) > 0.5;
        return new ScenarioVerdict(end.Outcome.GoalMet, false, hypothesis.Theta.Utility(end.Outcome, end.Ontology), [], []);
    }
}
