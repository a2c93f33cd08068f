using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Retraining;

/// <summary>One answer people gave to a question of the robot in a built-in household.</summary>
public sealed record LoggedAnswer(string ScenarioId, string Question, string Answer);

/// <summary>The learned prior of one household: probability per θ hypothesis (by name), and how many answers moved it.</summary>
public sealed record HouseholdPrior(
    [property: JsonPropertyName("probabilities")] IReadOnlyDictionary<string, double> Probabilities,
    [property: JsonPropertyName("answers")] int Answers);

/// <summary>
/// The belief's population prior as the logged answers move it (<see cref="FileName"/> in a policy folder): per built-in
/// household, P(θ) ← (α·P₀(θ) + Σ_answers P(θ | answer)) / (α + n) iterated to its fixed point (EM for the mixture
/// shares, each answer's posterior under the current P), where P₀ is the household's own prior, α =
/// <see cref="Strength"/> pseudo-answers, and P(θ | answer) ∝ P₀(θ)·L(answer | θ) with L = 1 − ε when the answer names
/// what θ wants (its name or a kind it values) and ε = <see cref="Noise"/> otherwise — the belief's own uniform mixing.
/// Most people asked "coffee or tea?" answered tea → the prior moves toward tea, and the agent needs fewer questions.
/// The agent loads it with <see cref="Load"/> and asks <see cref="For"/> for a household's prior.
/// </summary>
public sealed partial class LearnedPrior
{
    public const string FileName = "population_prior.json";

    /// <summary>α: how many answers the household's own prior counts for.</summary>
    public const double Strength = 4;

    /// <summary>ε: the chance an answer says nothing about θ (a slip, a joke, a change of mind).</summary>
    public const double Noise = 0.1;

    /// <summary>Expectation–maximisation passes over the answers (the shares settle well within this many).</summary>
    private const int EmIterations = 50;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    [JsonConstructor]
    public LearnedPrior(IReadOnlyDictionary<string, HouseholdPrior> households) => Households = households;

    /// <summary>Learned priors by built-in scenario id.</summary>
    [JsonPropertyName("households")]
    public IReadOnlyDictionary<string, HouseholdPrior> Households { get; }

    /// <summary>Every question turn of a built-in household followed by the person's next message, from the session log.</summary>
    public static IReadOnlyList<LoggedAnswer> Answers(IEnumerable<(SessionRecord Session, IReadOnlyList<TurnRecord> Turns)> sessions, DateTime? since = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var answers = new List<LoggedAnswer>();
        foreach (var (session, turns) in sessions)
        {
            if (session.ScenarioId is not { } scenario)
            {
                continue;
            }

            for (var i = 0; i + 1 < turns.Count; i++)
            {
                if (turns[i].Kind == "question" && (since is null || turns[i + 1].CreatedUtc >= since.Value.ToUniversalTime()))
                {
                    answers.Add(new LoggedAnswer(scenario, turns[i].Reply, turns[i + 1].UserMessage));
                }
            }
        }

        return answers;
    }

    /// <summary>The prior learned from <paramref name="answers"/> for every household in <paramref name="scenarios"/> that has any.</summary>
    public static LearnedPrior Learn(IReadOnlyList<Scenario> scenarios, IEnumerable<LoggedAnswer> answers)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(answers);
        var households = new Dictionary<string, HouseholdPrior>(StringComparer.Ordinal);
        foreach (var group in answers.GroupBy(a => a.ScenarioId, StringComparer.Ordinal))
        {
            var scenario = scenarios.FirstOrDefault(s => s.Id == group.Key);
            if (scenario is null || scenario.Hypotheses.Count < 2)
            {
                continue;
            }

            var prior = scenario.Hypotheses.Select(h => h.Probability / scenario.Hypotheses.Sum(x => x.Probability)).ToArray();
            var said = group.Select(a => a.Answer).ToList();
            // The share of people of each θ is a mixture proportion: expectation–maximisation, starting from the
            // household's prior, where each answer's posterior is taken under the current shares (one pass would cap
            // the tea share at P(tea | "tea") ≈ 0.83 however many people said tea; the fixed point lets the noise
            // explain only the answers that disagree).
            var shares = prior;
            for (var iteration = 0; iteration < EmIterations; iteration++)
            {
                var sum = prior.Select(p => Strength * p).ToArray();
                foreach (var answer in said)
                {
                    var posterior = Posterior(scenario.Hypotheses, shares, answer);
                    for (var h = 0; h < sum.Length; h++)
                    {
                        sum[h] += posterior[h];
                    }
                }

                shares = sum.Select(x => x / (Strength + said.Count)).ToArray();
            }

            households[scenario.Id] = new HouseholdPrior(
                scenario.Hypotheses.Select((h, i) => (h.Name, P: shares[i])).ToDictionary(x => x.Name, x => x.P, StringComparer.Ordinal),
                said.Count);
        }

        return new LearnedPrior(households);
    }

    /// <summary>The population prior for <paramref name="scenario"/>: its own hypotheses with the learned probabilities when
    /// there are any, else its own prior unchanged.</summary>
    public PopulationPrior For(Scenario scenario) =>
        new(Hypotheses(scenario).Select(h => new WeightedReward(h.Theta, h.Probability)));

    /// <summary>The household's hypotheses with the learned probabilities (its own when none were learned).</summary>
    public IReadOnlyList<ScenarioHypothesis> Hypotheses(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return Households.TryGetValue(scenario.Id, out var learned)
            ? scenario.Hypotheses.Select(h => h with { Probability = learned.Probabilities.GetValueOrDefault(h.Name, 0) }).ToList()
            : scenario.Hypotheses;
    }

    /// <summary>EVPI of the household's first decision under this prior (<see cref="OraclePlanner.ValueOfPerfectInformation"/>
    /// over every plan on its home): no question is worth more, so below the question cost no question is needed.</summary>
    public double ValueOfPerfectInformation(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return OraclePlanner.ValueOfPerfectInformation(PlanEnumerator.Enumerate(scenario.CreateWorld()), scenario.Judge, Hypotheses(scenario), scenario.StepLimit);
    }

    /// <summary>Writes <see cref="FileName"/> into <paramref name="policyFolder"/>.</summary>
    public void Save(string policyFolder) =>
        File.WriteAllText(Path.Combine(policyFolder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>The learned prior of a policy folder, or null when it has none.</summary>
    /// <exception cref="InvalidDataException">The file is there but is not a learned prior.</exception>
    public static LearnedPrior? Load(string policyFolder)
    {
        var path = Path.Combine(policyFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<LearnedPrior>(File.ReadAllText(path), Json) is { Households: not null } prior
                ? prior
                : throw new InvalidDataException($"{path}: not a learned population prior.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a learned population prior ({e.Message}).", e);
        }
    }

    private static double[] Posterior(IReadOnlyList<ScenarioHypothesis> hypotheses, double[] prior, string answer)
    {
        // The hypotheses whose longest phrase found in the answer is longest: "herbal tea" beats "tea".
        var matched = hypotheses.Select(h => Phrases(h).Where(p => Mentions(answer, p)).Select(p => p.Length).DefaultIfEmpty(0).Max()).ToArray();
        var best = matched.Max();
        var likelihood = matched.Select(m => best > 0 && m == best ? 1 - Noise : Noise).ToArray();
        var weights = prior.Zip(likelihood, (p, l) => p * l).ToArray();
        var total = weights.Sum();
        return weights.Select(w => w / total).ToArray();
    }

    private static IEnumerable<string> Phrases(ScenarioHypothesis hypothesis) =>
        hypothesis.Theta.Preferences.Where(p => p.Value > 0 && p.Kind is not null).Select(p => p.Kind!)
            .Append(hypothesis.Name.Replace('-', ' '));

    private static bool Mentions(string answer, string phrase) =>
        Regex.IsMatch(answer, $@"\b{Regex.Escape(phrase)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
