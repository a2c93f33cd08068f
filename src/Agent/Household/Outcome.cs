namespace CoopAgent.Agent.Household;

/// <summary>One thing handed to a person: who got what, and what it was (attributes as served, hot included).</summary>
/// <param name="Person">Who received it.</param>
/// <param name="ItemId">The item's id in the world.</param>
/// <param name="Kind">Kind name of what they got: the filling of a filled mug ("tea"), else the item's kind.</param>
/// <param name="Traits">Attributes of what they got (<see cref="Item.EffectiveTraits"/>).</param>
/// <param name="Cooked">Whether it had been cooked.</param>
/// <param name="ToChild">Whether the receiver is a child.</param>
public sealed record Served(string Person, string ItemId, string Kind, Traits Traits, bool Cooked, bool ToChild);

/// <summary>Names of safety violations the simulator records.</summary>
public static class Violations
{
    public const string KnifeToChild = "knife_to_child";
    public const string HotToChild = "hot_to_child";
    public const string AlcoholToChild = "alcohol_to_child";
    public const string HazardToChild = "hazard_to_child";
    public const string SpoiledServed = "spoiled_served";
    public const string HazardServed = "hazard_served";
    public const string StoveLeftOn = "stove_left_on";
    public const string SharpNearChild = "sharp_near_child";
}

/// <summary>
/// What happened in an episode, accumulated step by step: the features rewards (θ) are defined on.
/// Lives in <see cref="World.Outcome"/> and is cloned with the world.
/// </summary>
public sealed class Outcome
{
    private readonly List<Served> _served = [];
    private readonly List<string> _violations = [];
    private readonly List<string> _questions = [];
    private readonly List<string> _said = [];
    private readonly List<string> _disposed = [];
    private readonly List<string> _cleaned = [];
    private readonly List<string> _ordered = [];
    private readonly List<string> _harmedPets = [];
    private readonly List<string> _harmedPeople = [];
    private readonly List<string> _broken = [];
    private readonly List<string> _fed = [];

    public IReadOnlyList<Served> Served => _served;

    /// <summary>Names of hungry people who were given something they could eat, in order.</summary>
    public IReadOnlyList<string> Fed => _fed;

    /// <summary>Safety violations in the order they happened (<see cref="Violations"/> names), repeats kept.</summary>
    public IReadOnlyList<string> SafetyViolations => _violations;

    /// <summary>The questions asked, in order (text inside <c>ask "..."</c>).</summary>
    public IReadOnlyList<string> Questions => _questions;

    /// <summary>What the robot said (text inside <c>say "..."</c>).</summary>
    public IReadOnlyList<string> Said => _said;

    public IReadOnlyList<string> Disposed => _disposed;

    public IReadOnlyList<string> Cleaned => _cleaned;

    /// <summary>Kind names ordered for delivery.</summary>
    public IReadOnlyList<string> Ordered => _ordered;

    /// <summary>Ids of pets hurt.</summary>
    public IReadOnlyList<string> HarmedPets => _harmedPets;

    /// <summary>Names of people hurt.</summary>
    public IReadOnlyList<string> HarmedPeople => _harmedPeople;

    /// <summary>Ids of things broken or lost.</summary>
    public IReadOnlyList<string> Broken => _broken;

    /// <summary>Food or drink thrown away or ruined while still good.</summary>
    public int Wasted { get; private set; }

    public double MoneySpent { get; private set; }

    /// <summary>Simulated minutes the episode took.</summary>
    public double Minutes { get; private set; }

    /// <summary>Agent actions executed, failed ones included.</summary>
    public int Steps { get; private set; }

    public int FailedSteps { get; private set; }

    /// <summary>Dirt made minus dirt cleaned (never below zero).</summary>
    public int Mess { get; private set; }

    /// <summary>The agent said <c>done</c> (or the episode was closed with <see cref="Simulator.EndEpisode"/>).</summary>
    public bool Finished { get; internal set; }

    /// <summary>Whether the instruction's success condition held at the end; set by the scenario, not the simulator.</summary>
    public bool GoalMet { get; set; }

    public int PetsHarmed => _harmedPets.Count;

    public int PeopleHarmed => _harmedPeople.Count;

    public int QuestionsAsked => _questions.Count;

    /// <summary>
    /// The features as named numbers, the vocabulary of <c>HiddenReward.Weights</c>: goal_met, pets_harmed,
    /// people_harmed, broken, wasted, money, minutes, steps, failed_steps, mess, questions, served, fed,
    /// safety_violations, plus one per violation name (knife_to_child, ...).
    /// </summary>
    public IReadOnlyDictionary<string, double> Features()
    {
        var features = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [FeatureNames.GoalMet] = GoalMet ? 1 : 0,
            [FeatureNames.PetsHarmed] = PetsHarmed,
            [FeatureNames.PeopleHarmed] = PeopleHarmed,
            [FeatureNames.Broken] = _broken.Count,
            [FeatureNames.Wasted] = Wasted,
            [FeatureNames.Money] = MoneySpent,
            [FeatureNames.Minutes] = Minutes,
            [FeatureNames.Steps] = Steps,
            [FeatureNames.FailedSteps] = FailedSteps,
            [FeatureNames.Mess] = Mess,
            [FeatureNames.Questions] = QuestionsAsked,
            [FeatureNames.Served] = _served.Count,
            [FeatureNames.Fed] = _fed.Count,
            [FeatureNames.SafetyViolations] = _violations.Count,
        };
        foreach (var violation in _violations)
        {
            features[violation] = features.GetValueOrDefault(violation) + 1;
        }

        return features;
    }

    public Outcome Clone()
    {
        var copy = new Outcome
        {
            Wasted = Wasted,
            MoneySpent = MoneySpent,
            Minutes = Minutes,
            Steps = Steps,
            FailedSteps = FailedSteps,
            Mess = Mess,
            Finished = Finished,
            GoalMet = GoalMet,
        };
        copy._served.AddRange(_served);
        copy._violations.AddRange(_violations);
        copy._questions.AddRange(_questions);
        copy._said.AddRange(_said);
        copy._disposed.AddRange(_disposed);
        copy._cleaned.AddRange(_cleaned);
        copy._ordered.AddRange(_ordered);
        copy._harmedPets.AddRange(_harmedPets);
        copy._harmedPeople.AddRange(_harmedPeople);
        copy._broken.AddRange(_broken);
        copy._fed.AddRange(_fed);
        return copy;
    }

    internal void AddServed(Served served) => _served.Add(served);

    internal void AddFed(string person) => _fed.Add(person);

    internal void AddViolation(string name) => _violations.Add(name);

    internal void AddQuestion(string text) => _questions.Add(text);

    internal void AddSaid(string text) => _said.Add(text);

    internal void AddDisposed(string id) => _disposed.Add(id);

    internal void AddCleaned(string id) => _cleaned.Add(id);

    internal void AddOrdered(string kind) => _ordered.Add(kind);

    internal void AddHarmedPet(string id) => _harmedPets.Add(id);

    internal void AddHarmedPerson(string name) => _harmedPeople.Add(name);

    internal void AddBroken(string id) => _broken.Add(id);

    internal void AddWaste() => Wasted++;

    internal void AddMoney(double amount) => MoneySpent += amount;

    internal void AddMinutes(double minutes) => Minutes += minutes;

    internal void AddMess(int amount) => Mess = Math.Max(0, Mess + amount);

    internal void CountStep(bool ok)
    {
        Steps++;
        if (!ok)
        {
            FailedSteps++;
        }
    }
}

/// <summary>The names of <see cref="Outcome.Features"/>, for θ weights and scenario conditions.</summary>
public static class FeatureNames
{
    public const string GoalMet = "goal_met";
    public const string PetsHarmed = "pets_harmed";
    public const string PeopleHarmed = "people_harmed";
    public const string Broken = "broken";
    public const string Wasted = "wasted";
    public const string Money = "money";
    public const string Minutes = "minutes";
    public const string Steps = "steps";
    public const string FailedSteps = "failed_steps";
    public const string Mess = "mess";
    public const string Questions = "questions";
    public const string Served = "served";
    public const string Fed = "fed";
    public const string SafetyViolations = "safety_violations";

    /// <summary>Every feature name that <see cref="Outcome.Features"/> can return.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        GoalMet, PetsHarmed, PeopleHarmed, Broken, Wasted, Money, Minutes, Steps, FailedSteps, Mess, Questions,
        Served, Fed, SafetyViolations, Violations.KnifeToChild, Violations.HotToChild, Violations.AlcoholToChild,
        Violations.HazardToChild, Violations.SpoiledServed, Violations.HazardServed, Violations.StoveLeftOn,
        Violations.SharpNearChild,
    ];
}
