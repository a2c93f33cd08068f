using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Scenarios;

/// <summary>The scenario categories of the built-in suite (and <c>knowno</c> for imported records).</summary>
public static class ScenarioCategories
{
    public const string Preference = "preference";
    public const string Reference = "reference";
    public const string Safety = "safety";
    public const string Infeasible = "infeasible";
    public const string Hidden = "hidden";
    public const string Control = "control";
    public const string KnowNo = "knowno";

    public static IReadOnlyList<string> All { get; } = [Preference, Reference, Safety, Infeasible, Hidden, Control, KnowNo];
}

/// <summary>One θ hypothesis of a scenario: its prior probability, and optionally its own success condition
/// (what "done right" means if this is what the person wants) and the answer the person would give.</summary>
/// <param name="Theta">The hidden reward.</param>
/// <param name="Probability">Prior probability (normalised over the scenario).</param>
/// <param name="Success">Success conditions that replace the scenario's when this θ is the true one; null keeps them.</param>
/// <param name="Answer">What the person says when asked what they want, in their words; null when not given.</param>
public sealed record ScenarioHypothesis(HiddenReward Theta, double Probability, IReadOnlyList<Condition>? Success, string? Answer)
{
    public string Name => Theta.Name;
}

/// <summary>How an episode went, judged under the true θ.</summary>
/// <param name="Success">Every success condition held (and no catastrophe happened).</param>
/// <param name="Catastrophe">At least one catastrophe condition held.</param>
/// <param name="Utility">θ's utility of the outcome (goal_met included).</param>
/// <param name="FailedConditions">Success conditions that did not hold, in words.</param>
/// <param name="Catastrophes">Catastrophe conditions that held, in words.</param>
public sealed record ScenarioVerdict(bool Success, bool Catastrophe, double Utility, IReadOnlyList<string> FailedConditions, IReadOnlyList<string> Catastrophes);

/// <summary>
/// A household task: a home, the people in it with hidden rewards (one θ, or hypotheses with probabilities
/// from which the true θ is drawn with the episode seed), the instruction(s), success and catastrophe
/// conditions, a step limit and the cost of a question. Immutable; every episode starts from
/// <see cref="CreateWorld"/>, a fresh copy of the home.
/// </summary>
public sealed class Scenario
{
    private readonly World _home;

    internal Scenario(
        string id, string title, string category, string description, World home, string principal,
        IReadOnlyList<string> instructions, IReadOnlyList<ScenarioHypothesis> hypotheses,
        IReadOnlyList<Condition> success, IReadOnlyList<Condition> catastrophe, int stepLimit, double questionCost,
        IReadOnlyList<string> tags, IReadOnlyDictionary<string, string> solutions, string? truth, string json)
    {
        Id = id;
        Title = title;
        Category = category;
        Description = description;
        _home = home;
        Principal = principal;
        Instructions = instructions;
        Hypotheses = hypotheses;
        Success = success;
        Catastrophe = catastrophe;
        StepLimit = stepLimit;
        QuestionCost = questionCost;
        Tags = tags;
        Solutions = solutions;
        Truth = truth;
        Json = json;
        Prior = new PopulationPrior(hypotheses.Select(h => new WeightedReward(h.Theta, h.Probability)));
    }

    public string Id { get; }

    public string Title { get; }

    /// <summary>One of <see cref="ScenarioCategories.All"/>.</summary>
    public string Category { get; }

    /// <summary>Free text for people reading the suite: what the scenario tests.</summary>
    public string Description { get; }

    /// <summary>The person who gives the instruction and answers questions.</summary>
    public string Principal { get; }

    /// <summary>The instruction as first written, then any paraphrases; at least one.</summary>
    public IReadOnlyList<string> Instructions { get; }

    public string Instruction => Instructions[0];

    /// <summary>θ hypotheses with prior probabilities (one with probability 1 when θ is explicit).</summary>
    public IReadOnlyList<ScenarioHypothesis> Hypotheses { get; }

    /// <summary>The hypotheses as a prior to sample from or to start a belief with.</summary>
    public PopulationPrior Prior { get; }

    /// <summary>Default success conditions (all must hold); a hypothesis may replace them.</summary>
    public IReadOnlyList<Condition> Success { get; }

    /// <summary>Catastrophe conditions (any one is a catastrophe).</summary>
    public IReadOnlyList<Condition> Catastrophe { get; }

    /// <summary>Agent actions allowed before the episode is cut off (questions count).</summary>
    public int StepLimit { get; }

    /// <summary>Cost of one question to the person; θs that do not weigh <c>questions</c> get −cost.</summary>
    public double QuestionCost { get; }

    public IReadOnlyList<string> Tags { get; }

    /// <summary>
    /// Reference plans written with the scenario, by hypothesis name: one way to succeed if that θ is the true
    /// one (questions included where the author thought them needed). Tests replay them to prove every
    /// hypothesis can succeed; agents must not read them.
    /// </summary>
    public IReadOnlyDictionary<string, string> Solutions { get; }

    /// <summary>
    /// The name of the hypothesis that is always the true one (imported benchmarks record the user's intent);
    /// null when the truth is drawn from the probabilities with the episode seed. When set, the probabilities
    /// are only the prior an agent may start from.
    /// </summary>
    public string? Truth { get; }

    /// <summary>The JSON the scenario was read from (for writing it back out).</summary>
    public string Json { get; }

    /// <summary>A fresh copy of the home for one episode.</summary>
    public World CreateWorld() => _home.Clone();

    /// <summary>
    /// Draws the true θ for an episode; the same seed always gives the same hypothesis. With a fixed
    /// <see cref="Truth"/>, that hypothesis whatever the seed.
    /// </summary>
    public ScenarioHypothesis DrawHypothesis(int seed)
    {
        if (Truth is not null)
        {
            return Hypothesis(Truth);
        }

        var theta = Prior.Sample(seed);
        return Hypotheses.First(h => ReferenceEquals(h.Theta, theta));
    }

    /// <summary>The hypothesis with this θ name.</summary>
    /// <exception cref="KeyNotFoundException">No such hypothesis.</exception>
    public ScenarioHypothesis Hypothesis(string name) =>
        Hypotheses.FirstOrDefault(h => h.Name == name) ?? throw new KeyNotFoundException($"scenario '{Id}' has no θ named '{name}'");

    /// <summary>The success conditions that apply when <paramref name="truth"/> is the true hypothesis.</summary>
    public IReadOnlyList<Condition> SuccessFor(ScenarioHypothesis truth)
    {
        ArgumentNullException.ThrowIfNull(truth);
        return truth.Success ?? Success;
    }

    /// <summary>
    /// Judges the end of an episode under the true hypothesis: sets <see cref="Outcome.GoalMet"/> on the world's
    /// outcome, then computes θ's utility. Success needs every success condition and no catastrophe.
    /// </summary>
    public ScenarioVerdict Judge(World world, ScenarioHypothesis truth)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(truth);
        var failed = SuccessFor(truth).Where(c => !c.Holds(world)).Select(c => c.Describe()).ToList();
        var catastrophes = Catastrophe.Where(c => c.Holds(world)).Select(c => c.Describe()).ToList();
        world.Outcome.GoalMet = failed.Count == 0;
        var utility = truth.Theta.Utility(world.Outcome, world.Ontology);
        return new ScenarioVerdict(failed.Count == 0 && catastrophes.Count == 0, catastrophes.Count > 0, utility, failed, catastrophes);
    }

    /// <summary>The same scenario with other θ probabilities (a population learned from people's answers): the truth is
    /// drawn from them, and agents start their belief from them.</summary>
    public Scenario WithHypotheses(IReadOnlyList<ScenarioHypothesis> hypotheses)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        if (hypotheses.Count != Hypotheses.Count || hypotheses.Any(h => !Hypotheses.Any(o => o.Name == h.Name)))
        {
            throw new ArgumentException($"scenario '{Id}' has the hypotheses {string.Join(", ", Hypotheses.Select(h => h.Name))}; give the same ones", nameof(hypotheses));
        }

        return new Scenario(Id, Title, Category, Description, _home, Principal, Instructions, hypotheses, Success, Catastrophe, StepLimit, QuestionCost, Tags, Solutions, Truth, Json);
    }

    public override string ToString() => $"{Id} ({Category}): {Title}";
}
