using System.Globalization;
using CoopAgent.Agent.Baselines;
using CoopAgent.Agent.Belief;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Filters;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Plugins;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace CoopAgent.Agent.Loop;

/// <summary>Something a plan assumes is inside a closed container the robot has not looked into.</summary>
public sealed record UnseenItem(string Container, string Item);

/// <summary>One scored candidate: its text (a plan, actions joined by <c>; </c>), its actions, θ_h's utility of
/// the world it leaves for every hypothesis h (with what it assumes about unseen places true), what it assumes
/// (<see cref="Imagined"/>), and θ_h's utility when an assumption is false (the plan fails where it takes the
/// missing thing).</summary>
public sealed record ScoredCandidate(
    string Text,
    IReadOnlyList<HouseholdAction> Actions,
    IReadOnlyList<double> Utilities,
    IReadOnlyList<UnseenItem> Imagined,
    IReadOnlyList<double> FailedUtilities);

/// <summary>
/// One episode of <see cref="CooperativeAgent"/>: the belief, the plan under way, the question waiting for
/// its answer, and the kernel whose robot-action plugin and harm gate run each action.
/// </summary>
public sealed partial class CooperativeEpisode : IAgentEpisode, IHarmAssessor
{
    /// <summary>The candidate that does nothing more: always available, never harmful.</summary>
    public const string DoNothing = "done";

    private const string DontKnow = "say \"I don't know.\"";

    private static readonly string[] IndifferentPhrases = ["don't mind", "dont mind", "either", "whatever", "any of", "doesn't matter", "you choose", "up to you"];

    private readonly CooperativeAgent _agent;
    private readonly EpisodeStart _start;
    private readonly CooperativeAgentOptions _options;
    private readonly RewardHypotheses _hypotheses;
    private readonly AnswerModel _answers;
    private readonly QuestionChooser _chooser;
    private readonly Kernel _kernel;
    private readonly RobotActionsPlugin _plugin;
    private readonly World? _actOn;
    private readonly Queue<HouseholdAction> _plan = new();
    private PendingQuestion? _pending;
    private string? _lastQuestion;
    private bool _askedWhatToDo;
    private bool _askWhatToDo;
    private readonly HashSet<string> _refusalsAsked = new(StringComparer.Ordinal);
    private readonly List<(string Text, IReadOnlyList<HouseholdAction> Actions)> _requested = [];
    private readonly HashSet<string> _unweighedRequests = new(StringComparer.Ordinal);
    private GoalModel? _goal;
    private string? _lookedInto;
    private readonly HashSet<string> _lookedIntoBefore = new(StringComparer.Ordinal);
    private List<IReadOnlyList<HouseholdAction>> _beforeLook = [];
    private World? _view;
    private List<ScoredCandidate> _lastCandidates = [];
    private IReadOnlyList<string>? _unreportedSamples;

    /// <summary>Searching harder: this many times K samples, at this many times the temperature.</summary>
    private const int SearchSamples = 4;
    private const float SearchTemperature = 1.3f;
    private bool _searchedHarder;
    private bool _searchingHarder;
    private int _observations;

    internal CooperativeEpisode(CooperativeAgent agent, EpisodeStart start, World? actOn)
    {
        _agent = agent;
        _start = start;
        _options = agent.Options;
        _actOn = actOn;
        _hypotheses = RewardHypotheses.From(start.Hypotheses, _options.OtherMass);
        var remembered = _options.RememberPeople ? agent.Memory?.Load(start.Person) : null;
        Belief = _hypotheses.NewBelief(_options.Epsilon, remembered);
        _observations = remembered?.Observations ?? 0;
        _answers = new AnswerModel(_options.Person);
        _chooser = new QuestionChooser(_hypotheses.Names);
        _plugin = new RobotActionsPlugin(actOn ?? new World(Ontology.Default, ""));
        _kernel = PolicyChatClient.CreateKernel(agent.Policy);
        _kernel.Plugins.AddFromObject(_plugin, RobotActionsPlugin.PluginName);
        Gate = new HarmGateFilter(this, _options.HarmBound);
        if (_options.GateActions)
        {
            _kernel.FunctionInvocationFilters.Add(Gate);
        }
    }

    public RewardBelief Belief { get; }

    public RewardHypotheses Hypotheses => _hypotheses;

    public HarmGateFilter Gate { get; }

    /// <summary>Questions asked in this episode.</summary>
    public int QuestionsAsked { get; private set; }

    /// <summary>Why the last decision went as it did.</summary>
    public string Explanation { get; private set; } = "";

    /// <summary>The simulator's result of the last action this episode ran on the world it acts on (a chat's
    /// real home); null when it only proposes actions (evaluation) or has run none.</summary>
    public StepResult? LastExecuted { get; private set; }

    public async ValueTask<AgentTurn> NextAsync(Observation observation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observation);
        _view = observation.View;
        if (_goal is null)
        {
            _goal = new GoalModel(observation.Instruction, observation.View, _start.Person);
            UpdateFromInstruction(observation.View);
        }

        ReadAnswer(observation.Dialogue);
        if (observation.LastResult is { Ok: false })
        {
            // The world did not go as the model said: re-plan from what the robot sees now.
            _plan.Clear();
        }

        if (_plan.Count == 0)
        {
            var turn = await DecideAsync(observation, cancellationToken);
            if (turn is not null)
            {
                return turn;
            }
        }

        return await NextPlannedAsync(observation, cancellationToken);
    }

    /// <summary>Expected harm of one action under the current belief: Σ_h b(h)·max(0, U_h(before) − U_h(after))
    /// on a copy of what the robot sees. The harm gate calls this for every robot action.</summary>
    public HarmAssessment Assess(HouseholdAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var before = (_actOn is not null ? RobotView.Of(_actOn) : _view)?.Clone();
        if (before is null)
        {
            return new HarmAssessment(0, "", [], "nothing seen yet");
        }

        var after = before.Clone();
        Simulator.Execute(after, action);
        var p = Belief.Probabilities();
        var utilitiesBefore = _hypotheses.Utilities(before.Outcome, before.Ontology);
        var utilitiesAfter = _hypotheses.Utilities(after.Outcome, after.Ontology);
        var harms = utilitiesBefore.Select((u, h) => Math.Max(0, u - utilitiesAfter[h])).ToArray();
        var expected = harms.Select((harm, h) => p[h] * harm).Sum();
        var fearing = harms.Select((harm, h) => (harm, h)).Where(x => x.harm > _options.HarmBound)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"'{_hypotheses.Names[x.h]}' ({p[x.h]:P1}) would lose {x.harm:F0}")).ToList();
        var safe = _lastCandidates.Where(c => !c.Actions.Contains(action)).OrderByDescending(c => Value(c)).Take(_options.MaxOptions).Select(c => c.Text).ToList();
        var about = action.Verb == Verb.Done ? "stop here" : action.ToString();
        var question = safe.Count > 1
            ? $"I was about to {about}, but that could do real harm. Which would you like instead: {string.Join(", or ", safe.Select(Describe))}?"
            : $"What would you like me to do? I was about to {about}, but that could do real harm.";
        return new HarmAssessment(expected, question, safe.Count > 1 ? safe : [], fearing.Count > 0 ? string.Join("; ", fearing) : "small risks add up");
    }

    /// <summary>The candidates of the last decision (plans and <see cref="DoNothing"/>), scored.</summary>
    public IReadOnlyList<ScoredCandidate> LastCandidates => _lastCandidates;

    /// <summary>The plan the agent last committed to; null before any.</summary>
    public ScoredCandidate? LastChosen { get; private set; }

    /// <summary>A thumb on the last plan: P(up | θ) = σ(β·(U_θ(plan) − U_θ(nothing))), the Boltzmann model
    /// of a binary reaction against doing nothing.</summary>
    public void Thumbs(bool up)
    {
        var nothing = _lastCandidates.FirstOrDefault(c => c.Text == DoNothing);
        if (LastChosen is not { } chosen || nothing is null)
        {
            return;
        }

        WeighAgainstNothing(chosen, nothing, up);
        Remember();
    }

    /// <summary>P(up | θ) = σ(β·(U_θ(plan) − U_θ(nothing))): a thumb on a plan, or a request for it.</summary>
    private void WeighAgainstNothing(ScoredCandidate plan, ScoredCandidate nothing, bool up)
    {
        var beta = _options.Person.Rationality;
        Belief.Update(plan.Utilities.Select((u, h) =>
        {
            var pUp = 1 / (1 + Math.Exp(-beta * (u - nothing.Utilities[h])));
            return up ? pUp : 1 - pUp;
        }).ToArray(), 2);
    }

    /// <summary>The plan a reply asks for: said outright ("Order a pizza then."), or by naming what the instruction left
    /// open ("The fruit bowl." after "Put the apples in the bowl.").</summary>
    private (string Text, IReadOnlyList<HouseholdAction> Actions)? RequestIn(string answer) =>
        RequestReader.Read(answer, _view, Addressing())
        ?? (_goal is not null && RequestReader.Completed(_goal.Instruction, answer) is { } completed ? RequestReader.Read(completed, _view, Addressing()) : null);

    /// <summary>Who "me", "him" and "one" stand for in the person's replies.</summary>
    private RequestContext Addressing() => new(
        _start.Person,
        _goal?.Recipient,
        _goal is { Named: [var named, ..] } ? named.Name : null);

    /// <summary>A plan the person asked for is evidence as a thumb up is: they want it more than nothing being done.
    /// Weighed once, when it is first scored.</summary>
    private void WeighRequests(List<ScoredCandidate> candidates)
    {
        if (_unweighedRequests.Count == 0 || candidates.FirstOrDefault(c => c.Text == DoNothing) is not { } nothing)
        {
            return;
        }

        foreach (var request in candidates.Where(c => _unweighedRequests.Contains(c.Text)))
        {
            WeighAgainstNothing(request, nothing, up: true);
        }

        _unweighedRequests.Clear();
        Remember();
    }

    /// <summary>The person preferred candidate <paramref name="index"/> of <see cref="LastCandidates"/>: a
    /// Boltzmann choice among them.</summary>
    public void PreferCandidate(int index)
    {
        if (index < 0 || index >= _lastCandidates.Count)
        {
            return;
        }

        var utilities = _hypotheses.Names.Select((_, h) => (IReadOnlyList<double>)_lastCandidates.Select(c => c.Utilities[h]).ToArray()).ToList();
        Belief.UpdateChoice(utilities, index, _options.Person.Rationality);
        Remember();
    }

    /// <summary>
    /// The person compared replies (plans, questions, <c>say</c> answers, as texts) given from <paramref name="view"/>:
    /// <paramref name="pairs"/> index into <paramref name="replies"/>. Each reply is simulated on the view and judged
    /// under every hypothesis; a preferred reply is evidence for the hypotheses under which it is better
    /// (<see cref="RewardBelief.UpdatePairs"/>). Pairs with a reply that does not parse say nothing and are left out.
    /// </summary>
    /// <returns>True when the belief moved (at least one pair could be scored).</returns>
    public bool PreferReplies(World view, IReadOnlyList<string> replies, IReadOnlyList<OptionPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(replies);
        ArgumentNullException.ThrowIfNull(pairs);
        var scored = replies.Select(r => ScoreReply(view, r)).ToList();
        var usable = pairs.Where(p => scored[p.Better] is not null && scored[p.Worse] is not null).ToList();
        if (usable.Count == 0)
        {
            return false;
        }

        Belief.UpdatePairs(Rows(scored), usable, _options.Person.Rationality);
        Remember();
        return true;
    }

    /// <summary>
    /// The person wrote the reply the agent should have given from <paramref name="view"/>. Strong evidence: having
    /// seen every reply in <paramref name="shown"/>, they wanted this instead of each of them, so it counts as one
    /// preferred pair per shown reply (as the retraining data reads a correction) — more than any single comparison.
    /// A correction in request form ("Please give the water to Tom.") gets its presupposed steps, as an answer would.
    /// </summary>
    /// <returns>True when the belief moved; false when the correction is not something the robot could do here or
    /// nothing shown could be scored against it.</returns>
    public bool Corrected(World view, string correction, IReadOnlyList<string> shown)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(shown);
        var plan = RequestReader.Read(correction, view, Addressing())?.Text ?? correction;
        var rejected = shown.Where(r => r != plan && r != correction).Distinct(StringComparer.Ordinal).ToList();
        return PreferReplies(view, [plan, .. rejected], rejected.Select((_, i) => new OptionPair(0, i + 1)).ToList());
    }

    /// <summary>θ_h's utility of a reply text run from <paramref name="view"/> for every hypothesis h; null when the
    /// text is not a sequence of robot actions.</summary>
    private IReadOnlyList<double>? ScoreReply(World view, string reply)
    {
        var parsed = ActionParser.ParsePlan(reply ?? "");
        if (parsed.Count == 0 || parsed.Any(p => !p.Ok))
        {
            return null;
        }

        var actions = parsed.Select(p => p.Action!).ToList();
        if (actions[^1].Verb != Verb.Done)
        {
            actions.Add(new HouseholdAction(Verb.Done));
        }

        return Score(view, reply!, actions).Utilities;
    }

    /// <summary>Per-reply utility lists (null for replies that did not score) as per-hypothesis rows.</summary>
    private List<IReadOnlyList<double>> Rows(IReadOnlyList<IReadOnlyList<double>?> byReply) =>
        _hypotheses.Names.Select((_, h) => (IReadOnlyList<double>)byReply.Select(u => u?[h] ?? 0).ToArray()).ToList();

    /// <summary>The belief-weighted, risk-averse value of a scored candidate.</summary>
    private double Value(ScoredCandidate candidate) =>
        new DecisionProblem([candidate.Text], [candidate.Utilities], _options.Risk).Value(0, Belief.Probabilities());

    private void UpdateFromInstruction(World view)
    {
        if (_goal is { } goal)
        {
            UpdateFromWords(goal.Named, goal.Recipient, view);
        }
    }

    /// <summary>
    /// Speaker model for words that name an item (the instruction, or the answer to an open question: "Orange juice
    /// would be lovely."): the words chose one item among those the speaker could have named in this home (same
    /// category, in view); P(words | θ) ∝ exp(β·U_θ(that item served to the recipient)). Only item preferences
    /// enter: the speaker was not thinking of anything else (the cat, the budget), so the rest of θ keeps its
    /// prior. Words that name no item say nothing here.
    /// </summary>
    private void UpdateFromWords(IReadOnlyList<ObjectKind> kinds, string recipient, World view)
    {
        if (kinds.Count == 0)
        {
            return;
        }

        // What the speaker could have named: kinds of the same category in view, and those the hypotheses
        // have preferences about (the speaker knows what is in the closed cupboard; the agent knows its prior).
        var named = kinds[0];
        var preferred = _hypotheses.Thetas.SelectMany(t => t.Preferences).Select(p => p.Kind).OfType<string>()
            .Select(k => view.Ontology.Find(k)).OfType<ObjectKind>();
        var alternatives = view.Items.Select(i => i.Filling ?? i.Kind).Concat(preferred)
            .Where(k => k.Category == named.Category && !k.IsUnknown)
            .Append(named)
            .DistinctBy(k => k.Name)
            .ToList();
        if (alternatives.Count < 2)
        {
            return;
        }

        // A word names every kind it fits ("coffee" also names the decaf coffee), so saying it is worth, to the
        // speaker, the best of what it names: "coffee" is what a decaf drinker says too, and only the narrower
        // "decaf coffee" would have told the kinds apart.
        var child = view.FindPerson(recipient)?.IsChild ?? false;
        var utilities = _hypotheses.Thetas
            .Select(t => (IReadOnlyList<double>)alternatives
                .Select(word => alternatives.Where(k => WordFits(view.Ontology, word, k))
                    .Max(k => t.ServedValue(new Served(recipient, k.Name, k.Name, k.Traits, false, child), view.Ontology)))
                .ToArray())
            .ToList();
        Belief.UpdateChoice(utilities, alternatives.FindIndex(k => k.Name == named.Name), _options.Person.Rationality);
        Remember();
    }

    private void ReadAnswer(IReadOnlyList<DialogueTurn> dialogue)
    {
        if (_pending is null || dialogue.Count == 0 || dialogue[^1].Speaker != Speaker.User || dialogue.Count <= _pending.DialogueLength)
        {
            return;
        }

        var answer = dialogue[^1];
        var pending = _pending;
        _pending = null;
        _plan.Clear();
        if (pending.Options.Count == 0)
        {
            // An open question ("what should I do?"): when the answer is itself a plan ("Please turn off the
            // stove."), it becomes a candidate of the next decision, scored and gated like the policy's.
            if (RequestIn(answer.Text) is { } requested)
            {
                _requested.Add(requested);
                _unweighedRequests.Add(requested.Text);
            }
            else if (_view is not null && _goal is not null)
            {
                // Not a plan, but perhaps what they want ("Orange juice would be lovely."): evidence about θ, read
                // as the instruction is, for the same person the instruction was for.
                UpdateFromWords(new GoalModel(answer.Text, _view, _start.Person).Named, _goal.Recipient, _view);
            }

            return;
        }

        var response = answer.Choice is int k and >= 0 && k < pending.Options.Count
            ? k
            : MatchAnswer(answer.Text, pending.Options);
        if (response is null)
        {
            // None of the options, but perhaps what to do instead ("No. Please bring the water to Tom.").
            if (RequestIn(answer.Text) is { } requested)
            {
                _requested.Add(requested);
                _unweighedRequests.Add(requested.Text);
            }

            return;
        }

        Belief.Update(pending.Utilities.Select(row => _answers.Likelihoods(row)[response.Value]).ToArray(), pending.Options.Count + 1);
        Remember();

        // The person chose: do that. "I don't mind": the option the belief now values most.
        var chosen = response.Value < pending.Options.Count
            ? pending.Options[response.Value]
            : pending.Options.OrderByDescending(o => _lastCandidates.FirstOrDefault(c => c.Text == o) is { } c ? Value(c) : double.MinValue).First();
        if (response.Value == pending.Options.Count && chosen == DoNothing && !_askedWhatToDo && _options.Asking != AskingRule.Never)
        {
            // "Either is fine" between something and nothing, after words that asked for something: perhaps neither
            // is what they want ("Coffee, please!" with no coffee: order it?). Ask once what they would like.
            _askWhatToDo = true;
            return;
        }

        LastChosen = _lastCandidates.FirstOrDefault(c => c.Text == chosen);
        foreach (var action in ActionParser.ParsePlan(chosen).Where(a => a.Ok))
        {
            _plan.Enqueue(action.Action!);
        }
    }

    /// <summary>A free-text answer: its 1-based number, "don't mind" (→ index m), or the option whose words it
    /// shares most; null when nothing matches.</summary>
    internal static int? MatchAnswer(string text, IReadOnlyList<string> options)
    {
        var normal = Ontology.Normalize(text);
        if (int.TryParse(normal.Trim('.', ' '), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= options.Count)
        {
            return number - 1;
        }

        if (IndifferentPhrases.Any(p => normal.Contains(p, StringComparison.Ordinal)))
        {
            return options.Count;
        }

        var words = normal.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(',', '.', '!', '?')).Where(w => w.Length > 2).ToHashSet(StringComparer.Ordinal);
        var overlaps = options.Select(o => Describe(o).Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(words.Contains)).ToList();
        var best = overlaps.Max();
        return best > 0 && overlaps.Count(o => o == best) == 1 ? overlaps.IndexOf(best) : null;
    }

    /// <summary>Frames the decision at <paramref name="observation"/> without taking it: the candidates sampled
    /// from the policy, scored under every hypothesis, and the belief now. Calibration uses this.</summary>
    public async Task<(DecisionProblem Problem, double[] Belief)> FrameAsync(Observation observation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(observation);
        _view = observation.View;
        _goal ??= new GoalModel(observation.Instruction, observation.View, _start.Person);
        var frame = await FrameCandidatesAsync(observation, cancellationToken);
        return (frame.Problem, Belief.Probabilities());
    }

    private sealed record Frame(List<string> Samples, List<ScoredCandidate> Candidates, List<string> Questions, bool ParsedAnything, DecisionProblem Problem);

    private async Task<Frame> FrameCandidatesAsync(Observation observation, CancellationToken cancellationToken)
    {
        var samples = await SampleAsync(observation, [], null, 0, cancellationToken);
        var plans = new List<(string Text, IReadOnlyList<HouseholdAction> Actions)>();
        var questions = new List<string>();
        Propose(samples);
        if (_options.ImagineAnswers && questions.Count > 0)
        {
            // The policy asks before it acts: what would it do after each answer? Its plans after imagined answers
            // are candidates like any other (the world model scores them under every θ), so a question that splits
            // the hypotheses has plans to choose between.
            // In the same batch: what would it do if it could not ask? The same policy, with asking left out of the
            // grammar (its questions may lead nowhere); asking openly stays the last resort.
            Propose(await ImagineAnswersAsync(observation, questions, cancellationToken));

            // "I can't do exactly that. Shall I … instead?": saying the first half, without offering, is a plan too.
            Propose(questions.Select(ImaginedAnswer.Statement).OfType<string>().Distinct(StringComparer.Ordinal)
                .Select(said => $"{new HouseholdAction(Verb.Say, Text: said)}; done"));
        }

        // Read like the policy's plans: "the cup" in the person's words may be any of the cups in view.
        if (_options.ReadInstruction && _goal is { } goal && RequestReader.Read(goal.Instruction, observation.View, Addressing()) is { } said)
        {
            plans.AddRange(Both(observation.View, plans, said));
            plans.Add(said);
        }

        if (_options.ReadReferents)
        {
            plans.AddRange(OtherReferents(observation, plans));
            plans.AddRange(WantedUnseen(observation.View, plans));
            plans.AddRange(NamedInstead(observation, plans));
            plans.AddRange(HeatedAsSaid(observation, plans));
        }

        var parsedAnything = plans.Count > 0 || questions.Count > 0 || _requested.Count > 0;
        plans.AddRange(_requested.Select(r => (r.Text, r.Actions)));

        // The plans that made the robot look stay candidates after it (without the opening now done), scored on
        // what it saw: the new samples may all be worse than the plan that was waiting for the look.
        foreach (var actions in _beforeLook)
        {
            var rest = WithoutNoOps(observation.View, [.. actions]);
            plans.Add((string.Join("; ", rest), rest));
        }

        _beforeLook = [];
        plans.Add((DoNothing, [new HouseholdAction(Verb.Done)]));
        var candidates = plans.DistinctBy(p => p.Text, StringComparer.Ordinal).Select(p => Score(observation.View, p.Text, p.Actions)).ToList();
        WeighRequests(candidates);
        var problem = new DecisionProblem(candidates.Select(c => c.Text).ToList(), candidates.Select(c => c.Utilities).ToList(), _options.Risk);
        return new Frame([.. samples], candidates, questions, parsedAnything, problem);

        void Propose(IEnumerable<string> texts)
        {
            foreach (var sample in texts)
            {
                if (Proposal(observation.View, sample) is { } proposal)
                {
                    if (proposal.Question is { } question)
                    {
                        questions.Add(question);
                    }
                    else
                    {
                        plans.Add((string.Join("; ", proposal.Actions), proposal.Actions));
                    }
                }
            }
        }
    }

    /// <summary>Most things one phrase of the instruction is read as, and most readings added per decision.</summary>
    private const int MaxReferents = 4;
    private const int MaxReadings = 8;

    /// <summary>
    /// The person's words may fit several things in view — "the knife" (a bread knife and a chef's knife), "some
    /// fruit" (a banana, an orange, grapes), "the bowl" — and the policy's plan picks one. Each plan that uses one
    /// of them (or names them ambiguously) is also read with each of the others in its place, so the belief, not the
    /// policy's first pick, chooses between them, or a question does. The policy still wrote every step; only the
    /// thing the person's words left open is varied.
    /// </summary>
    private static List<(string Text, IReadOnlyList<HouseholdAction> Actions)> OtherReferents(Observation observation, List<(string Text, IReadOnlyList<HouseholdAction> Actions)> plans)
    {
        var view = observation.View;
        var groups = GoalModel.Mentioned(view.Ontology, PersonSaid(observation))
            .Select(kind => view.Visible().Where(i => !i.Kind.Has(Traits.Fixed) && KindFits(view.Ontology, kind, i)).ToList())
            .Where(g => g.Count is >= 2 and <= MaxReferents)
            .ToList();
        var readings = new List<(string Text, IReadOnlyList<HouseholdAction> Actions)>();
        foreach (var (_, actions) in plans)
        {
            foreach (var group in groups)
            {
                // Which member the plan refers to: one by name, or any (a name that fits several of them).
                var referred = actions.SelectMany(a => new[] { a.Thing, a.Target }).Where(n => n.Length > 0)
                    .Select(n => (Name: n, Fits: group.Where(i => Fits(view, n, i)).ToList()))
                    .Where(r => r.Fits.Count > 0)
                    .ToList();
                var named = referred.SelectMany(r => r.Fits).Distinct().ToList();
                if (referred.Count == 0 || (named.Count > 1 && referred.Any(r => r.Fits.Count == 1)))
                {
                    continue;
                }

                var names = referred.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var other in group.Where(i => named.Count > 1 || i != named[0]))
                {
                    var read = actions.Select(a => a with
                    {
                        Thing = names.Contains(a.Thing) ? other.Id : a.Thing,
                        Target = names.Contains(a.Target) ? other.Id : a.Target,
                    }).ToList();
                    readings.Add((string.Join("; ", read), read));
                }
            }
        }

        return readings.DistinctBy(r => r.Text, StringComparer.Ordinal).Take(MaxReadings).ToList();
    }

    /// <summary>Least belief a hypothesis needs for the thing it wants to be looked for, and most such readings.</summary>
    private const double WantedMass = 0.1;
    private const int MaxWanted = 3;

    /// <summary>
    /// A plan that gives someone a thing is also read with a thing a likely hypothesis wants but nobody sees, taken
    /// from the nearest closed place not yet looked into ("open cupboard; take orange soda; …" when a third of the
    /// belief says orange soda and only herbal tea is in view). The thing is imagined there, as for any plan that opens
    /// something first, so the look is valued by the same EVOI as every look: worth it when the hypotheses that want
    /// the unseen thing carry enough of the belief.
    /// </summary>
    private List<(string Text, IReadOnlyList<HouseholdAction> Actions)> WantedUnseen(World view, List<(string Text, IReadOnlyList<HouseholdAction> Actions)> plans)
    {
        var place = view.Visible().Where(i => i.CanClose && !i.IsOpen && !_lookedIntoBefore.Contains(i.Id))
            .OrderBy(i => view.RoomOf(i) == view.RobotRoom ? 0 : 1).FirstOrDefault();
        if (place is null)
        {
            return [];
        }

        var belief = Belief.Probabilities();
        var wanted = _hypotheses.Thetas
            .Select((theta, h) => (theta, h))
            .Where(x => x.theta.Name != RewardHypotheses.OtherName && belief[x.h] >= WantedMass)
            .SelectMany(x => x.theta.Preferences.Where(p => p.Value > 0 && p.Kind is not null).Select(p => view.Ontology.Find(p.Kind!)))
            .OfType<ObjectKind>()
            .Where(k => !k.IsUnknown && !view.Visible().Any(i => KindFits(view.Ontology, k, i)))
            .Distinct()
            .ToList();
        var names = wanted.Select(k => k.Name.Replace(' ', '-')).ToList();
        return GivingInstead(view, plans, _ => names, LookActions(view, place.Id)).Take(MaxWanted).ToList();
    }

    /// <summary>Each plan that gives someone a thing in view, read with each of <paramref name="instead"/>(that thing) given
    /// in its place (after <paramref name="first"/>), completed like a sample; distinct.</summary>
    private IEnumerable<(string Text, IReadOnlyList<HouseholdAction> Actions)> GivingInstead(
        World view, List<(string Text, IReadOnlyList<HouseholdAction> Actions)> plans, Func<Item, IEnumerable<string>> instead, IReadOnlyList<HouseholdAction> first)
    {
        var readings = new List<(string Text, IReadOnlyList<HouseholdAction> Actions)>();
        foreach (var (_, actions) in plans)
        {
            if (actions.FirstOrDefault(a => a.Verb == Verb.Give) is not { } give || view.FindVisible(give.Thing).Item is not { } given)
            {
                continue;
            }

            foreach (var name in instead(given))
            {
                var text = string.Join("; ", first.Concat(actions.Select(a => a.Thing == give.Thing ? a with { Thing = name } : a)));
                if (Proposal(view, text) is { Question: null } proposal)
                {
                    readings.Add((string.Join("; ", proposal.Actions), proposal.Actions));
                }
            }
        }

        return readings.DistinctBy(r => r.Text, StringComparer.Ordinal);
    }

    /// <summary>
    /// A plan that gives someone a thing the person's words do not name, when they named a kind of thing that is in
    /// view ("Could you get me a yogurt?" and the policy brings the butter), is also read with each such thing in its
    /// place (at most <see cref="MaxReferents"/>): the person said what they want, the policy wrote how.
    /// </summary>
    private List<(string Text, IReadOnlyList<HouseholdAction> Actions)> NamedInstead(Observation observation, List<(string Text, IReadOnlyList<HouseholdAction> Actions)> plans)
    {
        var view = observation.View;
        var named = GoalModel.Mentioned(view.Ontology, PersonSaid(observation));
        var carried = view.Visible().Where(i => !i.Kind.Has(Traits.Fixed)).ToList();
        var things = carried.Where(i => named.Any(k => KindFits(view.Ontology, k, i))).ToList();

        // An answer may name a thing by a word of its name only ("White is fine." for the white wine).
        var answered = observation.Dialogue.Where(d => d.Speaker == Speaker.User && d.Text != observation.Instruction)
            .SelectMany(d => Ontology.Normalize(d.Text).Split([' ', ',', '.', '?', '!', ';', ':', '"'], StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length >= 3 && !CommonWords.Contains(w))
            .Select(w => carried.Where(i => Ontology.Normalize(i.Name).Split(' ').Contains(w)).ToList())
            .Where(fits => fits.Count is > 0 and <= MaxReferents)
            .SelectMany(fits => fits);
        var ids = things.Concat(answered).DistinctBy(i => i.Id).Take(MaxReferents).Select(i => i.Id).ToList();
        var answeredIds = answered.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        return GivingInstead(view, plans, given => named.Any(k => KindFits(view.Ontology, k, given)) || answeredIds.Contains(given.Id) ? [] : ids, [])
            .Take(MaxReadings).ToList();
    }

    /// <summary>Words of replies that name no thing however many things' names hold them.</summary>
    private static readonly HashSet<string> CommonWords = new(
        ["the", "and", "please", "fine", "thanks", "thank", "you", "yes", "one", "that", "this", "just", "some", "will", "would", "could", "not", "don't", "it's", "for", "with", "her", "his", "him", "she", "they", "them", "mine", "okay"],
        StringComparer.Ordinal);

    /// <summary>Longest plan of the policy's (without its <c>done</c>) that is also done before or after what the words
    /// asked for.</summary>
    private const int MaxSteps = 3;

    /// <summary>
    /// What the words asked for and a short plan of the policy's that switches, closes or cleans something, both, in
    /// either order ("Finish the soup and give grandpa a bowl" and the policy's "turn off stove": the soup is heated,
    /// the stove turned off): the two are candidates already, so the simulation of each order, not the agent, says
    /// whether doing both is better.
    /// </summary>
    private List<(string Text, IReadOnlyList<HouseholdAction> Actions)> Both(World view, List<(string Text, IReadOnlyList<HouseholdAction> Actions)> plans, (string Text, IReadOnlyList<HouseholdAction> Actions) said)
    {
        var asked = said.Actions.Where(a => a.Verb != Verb.Done).ToList();
        var both = new List<(string Text, IReadOnlyList<HouseholdAction> Actions)>();
        foreach (var (_, actions) in plans.DistinctBy(p => p.Text, StringComparer.Ordinal))
        {
            var own = actions.Where(a => a.Verb != Verb.Done).ToList();
            // Only steps that change the home's state, not what anyone is given (two jackets are no answer to "my jacket").
            if (own.Count is 0 or > MaxSteps || own.Any(a => a.Verb is not (Verb.TurnOff or Verb.TurnOn or Verb.Close or Verb.Clean or Verb.Goto))
                || own.All(asked.Contains))
            {
                continue;
            }

            foreach (var order in new[] { own.Concat(asked), asked.Concat(own) })
            {
                if (Proposal(view, string.Join("; ", order)) is { Question: null } proposal)
                {
                    both.Add((string.Join("; ", proposal.Actions), proposal.Actions));
                }
            }
        }

        return both.DistinctBy(b => b.Text, StringComparer.Ordinal).Take(MaxReadings).ToList();
    }

    /// <summary>
    /// When the person's words ask for it hot ("a hot drink", "hot soup, it's freezing") or for a meal ("sort out
    /// dinner", "something for lunch", "cook"), a plan that gives someone something to eat or drink that is not hot, and
    /// does not heat it, is also read with the heating right after it is taken (a meal that can be cooked is cooked, a
    /// drink heated): the person said how they want it, the policy wrote the rest, and the belief decides.
    /// </summary>
    private List<(string Text, IReadOnlyList<HouseholdAction> Actions)> HeatedAsSaid(Observation observation, List<(string Text, IReadOnlyList<HouseholdAction> Actions)> plans)
    {
        if (!HotWords().IsMatch(PersonSaid(observation)))
        {
            return [];
        }

        var view = observation.View;
        var readings = new List<(string Text, IReadOnlyList<HouseholdAction> Actions)>();
        foreach (var (_, actions) in plans)
        {
            // A thing in view, or one the plan expects to find (in the cupboard it opens first): known by its kind.
            var give = actions.FirstOrDefault(a => a.Verb == Verb.Give);
            var given = give is null ? null : view.FindVisible(give.Thing).Item;
            var kind = given is not null ? given.Filling ?? given.Kind : give is null ? null : view.Ontology.Find(give.Thing);
            if (give is null || given is { IsHot: true } || kind is null || !kind.Traits.HasFlag(Traits.Edible) && !kind.Traits.HasFlag(Traits.Drinkable)
                || actions.Any(a => a.Verb is Verb.Heat or Verb.Cook && a.Thing == give.Thing))
            {
                continue;
            }

            var taken = actions.ToList().FindIndex(a => a.Verb == Verb.Take && a.Thing == give.Thing);
            var heated = actions.ToList();
            // A meal that can be cooked is cooked (warmed through); a drink is heated.
            var warm = kind.Traits.HasFlag(Traits.Cookable) && !kind.Traits.HasFlag(Traits.Drinkable) ? Verb.Cook : Verb.Heat;
            heated.Insert(taken >= 0 ? taken + 1 : heated.IndexOf(give), new HouseholdAction(warm, give.Thing));
            if (Proposal(view, string.Join("; ", heated)) is { Question: null } proposal)
            {
                readings.Add((string.Join("; ", proposal.Actions), proposal.Actions));
            }
        }

        return readings.DistinctBy(r => r.Text, StringComparer.Ordinal).Take(MaxReadings).ToList();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:hot|warm|warmed|heated|heat|warm it|piping|dinner|supper|lunch|meal|cook|cooked)\b")]
    private static partial System.Text.RegularExpressions.Regex HotWords();

    /// <summary>Whether <paramref name="name"/> in a plan can mean <paramref name="item"/>: it names it alone, or it
    /// names a kind several things share, this one among them.</summary>
    private static bool Fits(World view, string name, Item item)
    {
        var lookup = view.FindVisible(name);
        if (lookup.Item is { } one)
        {
            return one == item;
        }

        return view.Ontology.Find(Ontology.Normalize(name)) is { } kind && KindFits(view.Ontology, kind, item);
    }

    /// <summary>Whether a thing is of the kind a word names: by the ontology, by what it holds, or by the head of its
    /// kind's name ("coffee" fits a decaf coffee, "bowl" a fruit bowl).</summary>
    private static bool KindFits(Ontology ontology, ObjectKind kind, Item item) =>
        WordFits(ontology, kind, item.Kind) || (item.Filling is { } f && ontology.IsA(f, kind));

    /// <summary>The name of <paramref name="word"/> also names <paramref name="kind"/>: a kind of it, or named with it as
    /// its head ("decaf coffee" for "coffee").</summary>
    private static bool WordFits(Ontology ontology, ObjectKind word, ObjectKind kind) =>
        ontology.IsA(kind, word) || kind.Name.EndsWith(" " + word.Name, StringComparison.Ordinal);

    /// <summary>What one sample proposes: a plan (completed, ending in <c>done</c>), the question it asks first, or
    /// nothing usable (null).</summary>
    private (List<HouseholdAction> Actions, string? Question)? Proposal(World view, string sample)
    {
        // A sample whose later steps do not parse still proposes its valid prefix (e.g. "goto kitchen; take
        // knife; give fridge" → "goto kitchen; take knife"): kept as a partial plan and scored like any other.
        var parsed = ActionParser.ParsePlan(sample).TakeWhile(p => p.Ok).ToList();
        if (parsed.Count == 0)
        {
            return null;
        }

        var actions = parsed.Select(p => p.Action!).ToList();
        if (actions is [{ Verb: Verb.Ask } policyQuestion, ..])
        {
            // The policy wants to ask first (what it would do after depends on the answer): its question.
            return (actions, policyQuestion.Text);
        }

        if (actions.Any(a => a.Verb == Verb.Ask))
        {
            return null;
        }

        if (actions[^1].Verb != Verb.Done)
        {
            actions.Add(new HouseholdAction(Verb.Done));
        }

        actions = WithoutNoOps(view, actions);
        if (_options.CompletePlans)
        {
            // The walks completion adds can strand the policy's own (it walked off before taking what it needed).
            actions = WithoutNoOps(view, PlanCompletion.Complete(Imagine(view, actions).World, actions));
        }

        return (actions, null);
    }

    /// <summary>Most answers imagined per decision, and the policy's samples after each.</summary>
    private const int ImaginedAnswers = 4;
    private const int SamplesPerAnswer = 1;
    private const int PlansOnlySamples = 2;

    /// <summary>
    /// The policy's plans after each answer its questions could get — for "Would you like the tea or the coffee?",
    /// the dialogue continued with the question and "The tea, please." (then "The coffee, please."), sampled like
    /// any turn after an answer — and its plans when the grammar leaves asking out. All in one batch.
    /// </summary>
    private async Task<IReadOnlyList<string>> ImagineAnswersAsync(Observation observation, List<string> questions, CancellationToken cancellationToken)
    {
        var answers = questions.Distinct(StringComparer.Ordinal)
            .SelectMany(q => ImaginedAnswer.For(q).Select(a => (Question: q, Answer: a)))
            .DistinctBy(p => p.Answer, StringComparer.Ordinal)
            .Take(ImaginedAnswers)
            .ToList();
        var calls = answers.Select((p, i) => Call(
            observation,
            [new ChatMessage(ChatRole.Assistant, new HouseholdAction(Verb.Ask, Text: p.Question).ToString()), new ChatMessage(ChatRole.User, p.Answer)],
            SamplesPerAnswer,
            i + 1,
            questions: true)).ToList();
        calls.Add(Call(observation, [], PlansOnlySamples, answers.Count + 1, questions: false));
        var responses = await PolicyChatClient.GetResponsesAsync(_agent.Policy, calls, cancellationToken);
        return responses.SelectMany(Texts).ToList();
    }

    /// <summary>Drops steps that do nothing: leading steps that would fail only because they are already done — a
    /// <c>goto</c> the room the robot is in, an <c>open</c> of what stands open (after a look, the policy may still
    /// start where it began) — and later walks to where the robot already is, or into a room it has seen and leaves
    /// at once by another walk ("goto sitting room; goto kitchen; take grapes" takes the grapes without the detour),
    /// and a second opening of what the plan already opened.
    /// A walk into a room not yet seen stays: it looks.</summary>
    private static List<HouseholdAction> WithoutNoOps(World view, List<HouseholdAction> actions)
    {
        var skip = 0;
        while (skip < actions.Count - 1 && actions[skip] switch
        {
            { Verb: Verb.Goto } go => string.Equals(Ontology.Normalize(go.Thing), view.RobotRoom, StringComparison.Ordinal),
            { Verb: Verb.Open } open => view.FindVisible(open.Thing).Item is { IsOpen: true },
            _ => false,
        })
        {
            skip++;
        }

        var kept = new List<HouseholdAction>(actions.Count - skip);
        var room = view.RobotRoom;
        var opened = new HashSet<string>(StringComparer.Ordinal);
        for (var i = skip; i < actions.Count; i++)
        {
            if (actions[i] is { Verb: Verb.Open } open && view.FindVisible(open.Thing).Item is { } thing && !opened.Add(thing.Id))
            {
                continue;
            }

            if (actions[i] is { Verb: Verb.Goto } go)
            {
                var to = Ontology.Normalize(go.Thing);
                var leftAtOnce = i + 1 < actions.Count && actions[i + 1].Verb == Verb.Goto && view.FindRoom(to) is { Observed: true };
                if (string.Equals(to, room, StringComparison.Ordinal) || leftAtOnce)
                {
                    continue;
                }

                room = to;
            }

            kept.Add(actions[i]);
        }

        return kept.Count == actions.Count ? actions : kept;
    }

    private async Task<AgentTurn?> DecideAsync(Observation observation, CancellationToken cancellationToken)
    {
        if (_askWhatToDo && QuestionsAsked < _options.MaxQuestions)
        {
            _askWhatToDo = false;
            Explanation = "The person did not mind between doing something and nothing: asking once what they would like.";
            return Ask(observation, "What would you like me to do?", [], [], []);
        }

        var (sampleTexts, candidates, questions, parsedAnything, problem) = await FrameCandidatesAsync(observation, cancellationToken);
        _lastCandidates = candidates;
        _unreportedSamples = sampleTexts;
        var belief = Belief.Probabilities();
        var probes = Questions(problem, candidates, questions, belief);
        var decision = _chooser.Choose(problem, belief, probes);
        var conformal = _options.Asking == AskingRule.Conformal ? await _agent.ConformalAsync(cancellationToken) : null;

        if (!parsedAnything)
        {
            // Nothing the policy said is an action: never act blindly. Ask once what to do, then admit it.
            Explanation = "No sampled turn parsed as an action, a question or a reply.";
            if (QuestionsAsked == 0 && _options.Asking != AskingRule.Never)
            {
                return Ask(observation, "I'm not sure what to do. What would you like me to do?", [], [], sampleTexts);
            }

            _plan.Enqueue(new HouseholdAction(Verb.Say, Text: "I don't know."));
            _plan.Enqueue(new HouseholdAction(Verb.Done));
            return null;
        }

        // The policy wanted to ask, but no plan it proposed (after any answer it imagined) is worth more than
        // stopping under any hypothesis: its options are nothing the agent could act on. Unless a look nearby can
        // change that, ask once, openly, what to do; an answer that names a plan becomes a candidate.
        var askOpenly = QuestionChooser.Split(problem).All(g => candidates[g.Action].Text == DoNothing)
                        && questions.Count > 0 && _requested.Count == 0 && QuestionsAsked == 0 && _options.Asking != AskingRule.Never;
        if (_options.Asking == AskingRule.ValueOfInformation && (Look(observation.View, candidates, probes, belief) ?? LookWhenStuck(observation, decision, candidates, nearby: askOpenly)) is { } look)
        {
            Explanation = look.Explanation;
            _lookedInto = look.Actions[^1].Thing;
            _lookedIntoBefore.Add(_lookedInto);
            _beforeLook = candidates.Where(c => c.Text != DoNothing).Select(c => c.Actions).ToList();
            foreach (var action in look.Actions)
            {
                _plan.Enqueue(action);
            }

            return null;
        }

        if (askOpenly)
        {
            Explanation = "The policy proposed questions but no plan worth doing: asking once what to do.";
            return Ask(observation, "What would you like me to do?", [], [], sampleTexts);
        }

        // A plan the person asked for in their own words, when it is the best, is done, not asked about again (the
        // harm gate still checks every step of it).
        var requestedBest = _requested.Any(r => r.Text == candidates[decision.BestAction].Text);
        var ask = requestedBest ? null : ShouldAsk(decision, problem, candidates, probes, belief, conformal);
        if (ask is { } question && QuestionsAsked < _options.MaxQuestions && !string.Equals(question.Text, _lastQuestion, StringComparison.Ordinal))
        {
            Explanation = _options.Asking == AskingRule.ValueOfInformation ? decision.Explanation : "";
            var options = question.Responses.Take(question.Responses.Count - 1).ToList();
            var utilities = _hypotheses.Names.Select((_, h) => (IReadOnlyList<double>)options.Select(o => candidates.First(c => c.Text == o).Utilities[h]).ToArray()).ToList();
            return Ask(observation, question.Text, options, utilities, sampleTexts);
        }

        var chosen = _options.Asking == AskingRule.Never ? MostLikelyBest(problem) : decision.BestAction;
        Explanation = _options.Asking == AskingRule.Never
            ? $"Acting on the most likely hypothesis '{Belief.MostLikely()}': '{problem.Actions[chosen]}'."
            : decision.Explanation;
        LastChosen = candidates[chosen];
        foreach (var action in candidates[chosen].Actions)
        {
            _plan.Enqueue(action);
        }

        return null;
    }

    /// <summary>Probability that a thing a plan assumes inside a closed container is there, before looking.</summary>
    private const double PresentPrior = 0.5;

    /// <summary>
    /// Whether to open a container and look before asking or acting, by the same EVOI computation: when plans
    /// assume unseen contents, the states become (θ, which of those things are really there) — each present
    /// with <see cref="PresentPrior"/>, independently — and a plan is worth its imagined utility only if what it
    /// assumes is there (else it fails where it takes the thing). A look at container C answers which of C's
    /// assumed things are there, at the cost of the walk and the opening; questions answer about θ as before.
    /// The look is taken only when it beats acting and every question in that joint model.
    /// </summary>
    private (IReadOnlyList<HouseholdAction> Actions, string Explanation)? Look(World view, List<ScoredCandidate> candidates, List<Probe> questions, double[] belief)
    {
        var unseen = candidates.SelectMany(c => c.Imagined).Distinct().Take(3).ToList();
        if (unseen.Count == 0)
        {
            return null;
        }

        var hypotheses = belief.Length;
        var masks = 1 << unseen.Count;
        var names = new List<string>();
        var joint = new List<double>();
        for (var h = 0; h < hypotheses; h++)
        {
            for (var mask = 0; mask < masks; mask++)
            {
                var present = unseen.Where((_, i) => (mask & (1 << i)) != 0).Select(u => u.Item).ToList();
                names.Add($"{_hypotheses.Names[h]}, {(present.Count == 0 ? "nothing assumed" : string.Join(" and ", present))} there");
                joint.Add(belief[h] * Enumerable.Range(0, unseen.Count).Aggregate(1.0, (p, i) => p * ((mask & (1 << i)) != 0 ? PresentPrior : 1 - PresentPrior)));
            }
        }

        bool Holds(ScoredCandidate c, int mask) => c.Imagined.All(u => unseen.IndexOf(u) is var i && (i < 0 || (mask & (1 << i)) != 0));
        var utilities = candidates.Select(c => (IReadOnlyList<double>)Enumerable.Range(0, hypotheses * masks)
            .Select(s => Holds(c, s % masks) ? c.Utilities[s / masks] : c.FailedUtilities[s / masks]).ToArray()).ToList();
        var problem = new DecisionProblem(candidates.Select(c => c.Text).ToList(), utilities, _options.Risk);

        // Questions speak about θ only: the same likelihood for every contents mask.
        var probes = questions.Select(q => q with
        {
            Likelihood = q.Likelihood.Select(row => (IReadOnlyList<double>)Enumerable.Range(0, hypotheses * masks).Select(s => row[s / masks]).ToArray()).ToList(),
        }).ToList();
        foreach (var container in unseen.Select(u => u.Container).Distinct())
        {
            var inside = unseen.Select((u, i) => (u, i)).Where(x => x.u.Container == container).Select(x => 1 << x.i).Aggregate(0, (a, b) => a | b);
            var seen = Enumerable.Range(0, masks).Select(m => m & inside).Distinct().ToList();
            var likelihood = seen.Select(r => (IReadOnlyList<double>)Enumerable.Range(0, hypotheses * masks).Select(s => ((s % masks) & inside) == r ? 1.0 : 0.0).ToArray()).ToList();
            probes.Add(new Probe(ProbeKind.Look, LookAt(view, container), LookCost(belief), seen.Select(r => $"contents {r}").ToList(), likelihood));
        }

        // Two steps ahead, since a look rarely settles θ by itself: a look is worth what the best of acting or
        // asking is worth after it, Σ_r P(r)·max(V*(b_r), max_q V*(b_r) + EVOI_q(b_r) − c_q), minus its cost;
        // compared with the best of acting or asking now.
        var lookProbes = probes.Where(p => p.Kind == ProbeKind.Look).ToList();
        var questionProbes = probes.Where(p => p.Kind == ProbeKind.Question).ToList();
        double ActOrAsk(IReadOnlyList<double> b)
        {
            var act = problem.Best(b).Value;
            return questionProbes.Count == 0 ? act : Math.Max(act, act + questionProbes.Max(q => problem.Evoi(q, b) - q.Cost));
        }

        var now = ActOrAsk(joint);
        var (look, value) = lookProbes
            .Select(p => (Probe: p, Value: p.Likelihood.Sum(row => DecisionProblem.Condition(joint, row) is var (posterior, marginal) && marginal > 0 ? marginal * ActOrAsk(posterior) : 0) - p.Cost))
            .MaxBy(x => x.Value);
        if (value <= now + 1e-9)
        {
            return null;
        }

        var explanation = string.Create(CultureInfo.InvariantCulture,
            $"Looked: the plans assume {string.Join(", ", unseen.Select(u => $"{u.Item} in the {u.Container}"))}, unseen; '{look.Text}' then acting or asking is worth {value:F2}, acting or asking now {now:F2}.");
        var place = unseen.Select(u => u.Container).First(c => LookAt(view, c) == look.Text);
        return (LookActions(view, place), explanation);
    }

    /// <summary>How the robot looks at an unseen place: opens a closed container, or walks into a room it has not seen.</summary>
    private static string LookAt(World view, string place) => view.FindById(place) is null && view.FindRoom(place) is not null ? $"goto {place}" : $"open {place}";

    /// <summary>The steps of a look: to the container's room and open it, or into the unseen room.</summary>
    private static List<HouseholdAction> LookActions(World view, string place)
    {
        if (view.FindById(place) is not { } container)
        {
            return [new HouseholdAction(Verb.Goto, place)];
        }

        var actions = new List<HouseholdAction>();
        if (view.RoomOf(container) is { } room && room != view.RobotRoom)
        {
            actions.Add(new HouseholdAction(Verb.Goto, room));
        }

        actions.Add(new HouseholdAction(Verb.Open, container.Id));
        return actions;
    }

    /// <summary>
    /// When nothing proposed is worth more than doing nothing, but the plans wanted to open something closed, or walk
    /// into a room, that the robot has not looked into: open it (or go in) and decide again. <see cref="Look"/> values a look only by the plans
    /// already sampled; what is inside may make the policy propose plans it could not have named before (the grammar
    /// lets a plan name only what is in view until it opens something), so when stopping is the alternative, a
    /// look — a few seconds — is the cheap way to find out. Each place once per episode.
    /// </summary>
    private (IReadOnlyList<HouseholdAction> Actions, string Explanation)? LookWhenStuck(Observation observation, Decision decision, List<ScoredCandidate> candidates, bool nearby)
    {
        if (!_options.LookWhenStuck || decision.Kind == DecisionKind.Ask || candidates[decision.BestAction].Text != DoNothing)
        {
            return null;
        }

        // First where the person said to look ("I left them in the study", "in the drawer"), then where the plans
        // wanted to look.
        var view = observation.View;
        var said = " " + PersonSaid(observation) + " ";
        bool Named(string name) => said.Contains(" " + Ontology.Normalize(name) + " ", StringComparison.Ordinal);
        var toldRooms = view.Rooms
            .Where(r => !r.Observed && r.Name != view.RobotRoom && !_lookedIntoBefore.Contains(r.Name) && Named(r.Name))
            .Select(r => (Place: r.Name, r.Name));
        var toldClosed = view.Visible()
            .Where(i => i.CanClose && !i.IsOpen && !_lookedIntoBefore.Contains(i.Id) && (Named(i.Name) || Named(i.Kind.Name)))
            .Select(i => (Place: i.Id, i.Name));
        if (toldRooms.Concat(toldClosed).FirstOrDefault() is { Place: not null } told)
        {
            return (LookActions(view, told.Place), $"Nothing proposed is worth more than doing nothing with what I can see; you mentioned the {told.Name}, so I look there first.");
        }

        var steps = candidates.SelectMany(c => c.Actions).ToList();
        var closed = steps
            .Where(a => a.Verb == Verb.Open)
            .Select(a => view.FindVisible(a.Thing).Item)
            .OfType<Item>()
            .Where(i => i.CanClose && !i.IsOpen && !_lookedIntoBefore.Contains(i.Id))
            .DistinctBy(i => i.Id)
            .OrderBy(i => view.RoomOf(i) == view.RobotRoom ? 0 : 1)
            .Select(i => (Place: i.Id, Name: i.Name));
        var rooms = steps
            .Where(a => a.Verb == Verb.Goto)
            .Select(a => view.FindRoom(a.Thing))
            .OfType<Room>()
            .Where(r => !r.Observed && r.Name != view.RobotRoom && !_lookedIntoBefore.Contains(r.Name))
            .Select(r => (Place: r.Name, r.Name));
        if (closed.Concat(rooms).FirstOrDefault() is { Place: not null } look)
        {
            return (LookActions(view, look.Place), $"Nothing proposed is worth more than doing nothing with what I can see; the plans look in the {look.Name}, so I look there first.");
        }

        // Before asking openly what to do: what is closed within reach, opened in a moment, may hold what the policy
        // could not name.
        var unexplored = view.Visible().Where(i => i.CanClose && !i.IsOpen && !_lookedIntoBefore.Contains(i.Id)).ToList();
        if (nearby && unexplored.FirstOrDefault(i => view.RoomOf(i) == view.RobotRoom) is { } within)
        {
            return (LookActions(view, within.Id), $"Nothing proposed is worth more than doing nothing with what I can see, and the policy only asked; before asking what to do, I look in the {within.Name}.");
        }

        // The person asked for something that is nowhere in view ("a yogurt"), or whose every one in view was weighed as
        // given and found worse than nothing (the spoiled milk): search for it, the closest place first — what is
        // closed in this room, then in the other rooms, then the rooms not seen yet.
        var given = candidates.SelectMany(c => c.Actions).Where(a => a.Verb == Verb.Give)
            .Select(a => view.FindVisible(a.Thing).Item?.Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var missing = GoalModel.Mentioned(view.Ontology, said)
            .Where(k => view.Visible().Where(i => KindFits(view.Ontology, k, i)).All(i => given.Contains(i.Id))).ToList();
        if (missing.Count > 0)
        {
            var place = unexplored.OrderBy(i => view.RoomOf(i) == view.RobotRoom ? 0 : 1).Select(i => (Place: i.Id, i.Name))
                .Concat(view.Rooms.Where(r => !r.Observed && r.Name != view.RobotRoom && !_lookedIntoBefore.Contains(r.Name)).Select(r => (Place: r.Name, r.Name)))
                .FirstOrDefault();
            if (place.Place is not null)
            {
                return (LookActions(view, place.Place), view.Visible().Any(i => KindFits(view.Ontology, missing[0], i))
                    ? $"Nothing proposed is worth more than doing nothing with what I can see, and no {missing[0].Name} in view is worth giving; I look for another in the {place.Name}."
                    : $"Nothing proposed is worth more than doing nothing with what I can see, and there is no {missing[0].Name} in view; I look for it in the {place.Name}.");
            }
        }

        return null;
    }

    /// <summary>Everything the person said in this episode, the instruction first, in lower case without punctuation.</summary>
    private static string PersonSaid(Observation observation) =>
        string.Join(' ', Ontology.Normalize(string.Join(' ', observation.Dialogue.Where(d => d.Speaker == Speaker.User).Select(d => d.Text).Prepend(observation.Instruction)))
            .Split([' ', ',', '.', '?', '!', ';', ':', '"'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>What a look costs the person in expectation: the minutes of a walk and an opening, at θ's price of time.</summary>
    private double LookCost(double[] belief) =>
        _hypotheses.Thetas.Select((t, h) => belief[h] * -t.Weight(FeatureNames.Minutes) * (Simulator.Minutes[Verb.Goto] + Simulator.Minutes[Verb.Open])).Sum();

    private Probe? ShouldAsk(Decision decision, DecisionProblem problem, List<ScoredCandidate> candidates, IReadOnlyList<Probe> probes, double[] belief, ConformalPredictionSet? conformal)
    {
        var best = probes.Where(p => p.Kind == ProbeKind.Question).OrderByDescending(p => problem.Evoi(p, belief) - p.Cost).FirstOrDefault();
        switch (_options.Asking)
        {
            case AskingRule.ValueOfInformation:
                return decision.Kind == DecisionKind.Ask ? decision.Probe : null;
            case AskingRule.Never:
                return null;
            case AskingRule.AlwaysFirst:
                return QuestionsAsked == 0 ? best ?? OptionsQuestion(problem, candidates, Enumerable.Range(0, Math.Min(_options.MaxOptions, candidates.Count)).ToList(), belief) : null;
            case AskingRule.EntropyThreshold:
                return Belief.Entropy() > _options.EntropyThreshold ? best : null;
            case AskingRule.Conformal:
                var set = conformal!.PredictionSet(BestActionProbabilities(problem, belief));
                return set.Count > 1 ? OptionsQuestion(problem, candidates, set.Take(_options.MaxOptions).ToList(), belief) : null;
            default:
                throw new InvalidOperationException($"unknown asking rule {_options.Asking}");
        }
    }

    /// <summary>P(candidate a is the best action) = Σ_h b(h)·1[a = argmax_a U_h(a)]: the score the conformal set is
    /// built on (KnowNo's option probabilities).</summary>
    public static double[] BestActionProbabilities(DecisionProblem problem, IReadOnlyList<double> belief)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(belief);
        var scores = new double[problem.Actions.Count];
        foreach (var (action, states) in QuestionChooser.Split(problem))
        {
            scores[action] += states.Sum(s => belief[s]);
        }

        return scores;
    }

    private int MostLikelyBest(DecisionProblem problem)
    {
        var certain = new double[_hypotheses.Count];
        certain[_hypotheses.Names.ToList().IndexOf(Belief.MostLikely())] = 1;
        return problem.Best(certain).Action;
    }

    /// <summary>Candidate questions: the "which of these?" question built from how the hypotheses split (its
    /// options are the distinct best candidates of the hypotheses), and the policy's own questions, which offer
    /// the same options in the policy's words.</summary>
    private List<Probe> Questions(DecisionProblem problem, List<ScoredCandidate> candidates, List<string> policyQuestions, double[] belief)
    {
        var split = QuestionChooser.Split(problem)
            .OrderByDescending(g => g.States.Sum(s => belief[s]))
            .Take(_options.MaxOptions)
            .Select(g => g.Action)
            .ToList();
        if (split.Count < 2)
        {
            return [];
        }

        var generated = OptionsQuestion(problem, candidates, split, belief);
        var probes = new List<Probe> { generated };
        probes.AddRange(policyQuestions.Distinct(StringComparer.Ordinal).Select(q => generated with { Text = q }));
        return probes;
    }

    private Probe OptionsQuestion(DecisionProblem problem, List<ScoredCandidate> candidates, List<int> actions, double[] belief)
    {
        var options = actions.Select(a => candidates[a].Text).ToList();
        var text = options.Count switch
        {
            0 => "What would you like me to do?",
            1 => $"Shall I {Describe(options[0])}?",
            _ => $"Which would you like: {string.Join(", or ", options.Select(Describe))}?",
        };

        // After a look, say what was found: "I found coffee, tea and chamomile in the cupboard. Which ...?"
        if (_lookedInto is { } container && _view?.FindById(container) is { } opened && _view.Contents(opened).Select(i => i.Name).ToList() is { Count: > 0 } found)
        {
            text = $"I found {(found.Count == 1 ? found[0] : $"{string.Join(", ", found.SkipLast(1))} and {found[^1]}")} in the {opened.Name}. {text}";
        }

        var utilities = _hypotheses.Names.Select((_, h) => (IReadOnlyList<double>)actions.Select(a => problem.Utility(a, h)).ToArray()).ToList();
        return _answers.Question(text, QuestionCost(belief), options, utilities, _options.Epsilon);
    }

    /// <summary>What a question costs the person in expectation: −w_questions under each θ that weighs
    /// questions itself, the episode's question cost under the others.</summary>
    private double QuestionCost(double[] belief) =>
        _hypotheses.Thetas.Select((t, h) => belief[h] * (t.Weights.ContainsKey(FeatureNames.Questions) || t.HardValues.ContainsKey(FeatureNames.Questions)
            ? -t.Weight(FeatureNames.Questions)
            : _start.QuestionCost)).Sum();

    private AgentTurn Ask(Observation observation, string text, List<string> options, List<IReadOnlyList<double>> utilities, List<string> samples)
    {
        QuestionsAsked++;
        _unreportedSamples = null;
        _lastQuestion = text;
        _askedWhatToDo |= options.Count == 0;
        _pending = new PendingQuestion(options, utilities, observation.Dialogue.Count + 1);
        if (Explanation.Length == 0 || !Explanation.StartsWith("Asked", StringComparison.Ordinal))
        {
            Explanation = _options.Asking switch
            {
                AskingRule.AlwaysFirst => "Always asks first.",
                AskingRule.EntropyThreshold => string.Create(CultureInfo.InvariantCulture, $"Belief entropy {Belief.Entropy():F2} nats is above {_options.EntropyThreshold:F2}."),
                AskingRule.Conformal => "The calibrated prediction set holds more than one option.",
                _ => Explanation,
            };
        }

        return new AgentTurn($"ask \"{text.Replace("\"", "'", StringComparison.Ordinal)}\"", Candidates: samples, Explanation: Explanation, Options: options.Count > 0 ? options : null);
    }

    private async Task<AgentTurn> NextPlannedAsync(Observation observation, CancellationToken cancellationToken)
    {
        var action = _plan.Dequeue();
        var remaining = _plan.Select(a => a.ToString()).Prepend(action.ToString()).ToList();
        // The turn that starts carrying out a decision reports the samples it was made from.
        var samples = _unreportedSamples;
        _unreportedSamples = null;
        if (action.Verb is Verb.Ask or Verb.Say)
        {
            return new AgentTurn(action.ToString(), remaining, samples, Explanation);
        }

        // Every robot action goes through the kernel, so the harm gate runs. In an evaluation the plugin acts on
        // a copy of what the robot sees (the runner then executes the action for real); in a chat on the home.
        _plugin.World = _actOn ?? observation.View.Clone();
        var result = await RobotActionsPlugin.InvokeAsync(_kernel, action, cancellationToken);
        if (result is GatedAction gated)
        {
            _plan.Clear();
            Explanation = $"Refused '{action}': expected harm {gated.Assessment.ExpectedHarm:F1} under the belief exceeds {Gate.Bound:F1} ({gated.Assessment.Reason}).";
            var options = gated.Assessment.Options.ToList();
            var utilities = _hypotheses.Names.Select((_, h) => (IReadOnlyList<double>)options.Select(o => _lastCandidates.First(c => c.Text == o).Utilities[h]).ToArray()).ToList();
            var askedBefore = !_refusalsAsked.Add(action.ToString()) || (options.Count == 0 && _askedWhatToDo);
            if (askedBefore || QuestionsAsked >= _options.MaxQuestions || string.Equals(gated.Assessment.Question, _lastQuestion, StringComparison.Ordinal))
            {
                if (action.Verb == Verb.Done && !_searchedHarder)
                {
                    // Stopping would leave a hazard standing and asking brought no safer plan: before giving up, ask
                    // the policy once more, for more samples drawn more widely (what removes the hazard may be a
                    // plan it rarely writes). The policy still writes it; the gate still checks it.
                    _searchedHarder = true;
                    _searchingHarder = true;
                    try
                    {
                        if (await DecideAsync(observation, cancellationToken) is { } turn)
                        {
                            return turn;
                        }
                    }
                    finally
                    {
                        _searchingHarder = false;
                    }

                    Explanation = "Stopping would leave a hazard; asked the policy again, more widely: " + Explanation;
                    return await NextPlannedAsync(observation, cancellationToken);
                }

                if (action.Verb == Verb.Done)
                {
                    // Stopping is not an act that does harm; what harms is a hazard nobody removed. The person was
                    // asked once and no safer plan came of it, not even searching harder: stop, instead of asking
                    // or saying the same forever.
                    Explanation += " Already asked what to do instead and no safer plan came of it: stopping.";
                    return new AgentTurn(DoNothing, [DoNothing], Explanation: Explanation);
                }

                _plan.Enqueue(new HouseholdAction(Verb.Done));
                return new AgentTurn(DontKnow, ["say \"I don't know.\"", DoNothing], Explanation: Explanation);
            }

            return Ask(observation, gated.Assessment.Question, options, utilities, []);
        }

        if (_actOn is not null)
        {
            LastExecuted = result as StepResult;
        }

        return new AgentTurn(action.ToString(), remaining, samples, Explanation);
    }

    private ScoredCandidate Score(World view, string text, IReadOnlyList<HouseholdAction> actions)
    {
        var (imagined, unseen) = Imagine(view, actions);
        var utilities = Judge(imagined, actions);
        return new ScoredCandidate(text, actions, utilities, unseen, unseen.Count == 0 ? utilities : Judge(view.Clone(), actions));
    }

    /// <summary>Runs the plan on <paramref name="world"/> (changed) and judges the end under every hypothesis: the
    /// judge decides goal_met under each hypothesis' own success conditions and returns θ's utility.</summary>
    private double[] Judge(World world, IReadOnlyList<HouseholdAction> actions)
    {
        foreach (var action in actions)
        {
            var result = Simulator.Execute(world, action);
            if (!result.Ok || result.IsDone)
            {
                break;
            }
        }

        Simulator.EndEpisode(world);
        return _hypotheses.Items.Select(h => _start.Judge(world, h).Utility).ToArray();
    }

    /// <summary>
    /// A copy of the view with what the plan assumes about unseen places: a plan that opens a closed container
    /// and then uses something the robot cannot see says that thing is inside; the plan is scored as if it
    /// were (and re-planned when opening shows otherwise: the step fails and the loop decides again).
    /// </summary>
    private static (World World, List<UnseenItem> Unseen) Imagine(World view, IReadOnlyList<HouseholdAction> actions)
    {
        var world = view.Clone();
        var unseen = new List<UnseenItem>();
        (string Place, Location Location)? opened = null;
        foreach (var action in actions)
        {
            if (action.Verb == Verb.Open && world.FindVisible(action.Thing).Item is { CanClose: true, IsOpen: false } container)
            {
                opened = (container.Id, Location.InContainer(container.Id));
            }
            else if (action.Verb == Verb.Goto && world.FindRoom(action.Thing) is { Observed: false } room)
            {
                // A room the robot has not seen: what the plan takes there is assumed to be in it.
                opened = (room.Name, Location.InRoom(room.Name));
            }
            else if (opened is { } place && action.Verb is Verb.Take or Verb.Heat or Verb.Cook or Verb.Pour && action.Thing.Length > 0
                     && world.FindVisible(action.Thing).Item is null && world.FindById(action.Thing) is null
                     && world.FindById(UnseenId(action.Thing)) is null) // named again later in the plan: the same thing
            {
                var id = UnseenId(action.Thing);
                world.AddItem(new Item(id, world.Ontology.Resolve(action.Thing), place.Location));
                unseen.Add(new UnseenItem(place.Place, id));
            }
        }

        return (world, unseen);

        static string UnseenId(string thing) => Ontology.Normalize(thing).Replace(' ', '-');
    }

    /// <summary>The policy's samples for this turn, the dialogue followed by <paramref name="continued"/> (imagined
    /// turns); <paramref name="samples"/> null means the episode's K; <paramref name="stream"/> varies the seed; without
    /// <paramref name="questions"/> the grammar leaves asking out.</summary>
    private async Task<IReadOnlyList<string>> SampleAsync(Observation observation, IReadOnlyList<ChatMessage> continued, int? samples, int stream, CancellationToken cancellationToken, bool questions = true)
    {
        var (messages, options) = Call(observation, continued, samples, stream, questions);
        return Texts(await _agent.Policy.GetResponseAsync(messages, options, cancellationToken));
    }

    private static List<string> Texts(ChatResponse response) =>
        response.Messages.Where(m => m.Role == ChatRole.Assistant).Select(m => m.Text.Trim()).Where(t => t.Length > 0).ToList();

    /// <summary>The policy call behind <see cref="SampleAsync"/>: the prompt's messages and the sampling options.</summary>
    private (IReadOnlyList<ChatMessage> Messages, ChatOptions Options) Call(Observation observation, IReadOnlyList<ChatMessage> continued, int? samples, int stream, bool questions)
    {
        var messages = new List<ChatMessage> { new(ChatRole.System, observation.Description) };
        messages.AddRange(observation.Dialogue.Select(d => new ChatMessage(d.Speaker == Speaker.User ? ChatRole.User : ChatRole.Assistant, d.Text)));
        if (observation.Dialogue.Count == 0)
        {
            messages.Add(new ChatMessage(ChatRole.User, observation.Instruction));
        }

        messages.AddRange(continued);

        var options = new ChatOptions
        {
            Temperature = _searchingHarder ? _options.Temperature * SearchTemperature : _options.Temperature,
            TopK = _options.TopK > 0 ? _options.TopK : null,
            TopP = _options.TopP,
            MaxOutputTokens = _options.MaxOutputTokens,
            Seed = _start.Seed + (1000L * observation.Step) + (100_000L * stream),
            AdditionalProperties = new AdditionalPropertiesDictionary { [PolicyChatClient.SamplesKey] = samples ?? (_searchingHarder ? _options.Samples * SearchSamples : _options.Samples) },
        };
        if (_options.Grounded)
        {
            options.AdditionalProperties[PolicyChatClient.GrammarKey] = PlanGrammar.For(observation.View, [_start.Person], questions);
        }

        return (messages, options);
    }

    private void Remember()
    {
        _observations++;
        if (_options.RememberPeople && _agent.Memory is { } memory)
        {
            memory.Save(_start.Person, new BeliefSnapshot(Belief.ToDictionary(), _observations, DateTimeOffset.UtcNow));
        }
    }

    /// <summary>A plan in words for a question: its actions without the walking and opening, e.g.
    /// "order pizza, give pizza to leo"; "do nothing for now" for <see cref="DoNothing"/>.</summary>
    public static string Describe(string plan)
    {
        var steps = ActionParser.ParsePlan(plan).Where(p => p.Ok).Select(p => p.Action!)
            .Where(a => a.Verb is not (Verb.Goto or Verb.Open or Verb.Close or Verb.Done or Verb.Take))
            .Select(a => a.ToString())
            .ToList();
        return steps.Count == 0 ? "do nothing for now" : string.Join(", then ", steps);
    }

    private sealed record PendingQuestion(IReadOnlyList<string> Options, IReadOnlyList<IReadOnlyList<double>> Utilities, int DialogueLength);
}
