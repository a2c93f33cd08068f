using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Data;

/// <summary>
/// The oracle-with-belief: knows the home and the prior over θ, not which θ is true. Before any answer it
/// asks when the expected value of perfect information exceeds the cost of a question (offering the best
/// plans of the likeliest hypotheses), otherwise it acts with the plan of highest expected utility; after the
/// person has answered (the dialogue then names the true θ's wish) it plays the true θ's best plan.
/// </summary>
public static class Demonstrator
{
    /// <summary>The first turn for a scenario: a question or a plan.</summary>
    public static (string Response, string Kind) FirstTurn(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var home = scenario.CreateWorld();
        var plans = PlanEnumerator.Enumerate(home);
        var evpi = OraclePlanner.ValueOfPerfectInformation(plans, scenario.Judge, scenario.Hypotheses, scenario.StepLimit);
        if (evpi > scenario.QuestionCost)
        {
            return (Question(scenario, plans), "question");
        }

        var scored = scenario.Hypotheses.Select(h => OraclePlanner.Score(plans, scenario.Judge, h, scenario.StepLimit)).ToList();
        var total = scenario.Hypotheses.Sum(h => h.Probability);
        var best = Enumerable.Range(0, scored[0].Count)
            .MaxBy(a => scenario.Hypotheses.Select((h, k) => h.Probability / total * scored[k][a].Utility).Sum());
        return (scored[0][best].Plan.Text, "plan");
    }

    /// <summary>
    /// The clarifying question over the distinct best plans of the likeliest hypotheses: "Would you like the cola
    /// or the orange juice?" when they differ only in what the person gets, "Should leo have ...?" for someone
    /// else, "Shall I A, or B?" otherwise.
    /// </summary>
    public static string Question(Scenario scenario, IReadOnlyList<SimulatedPlan> plans)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(plans);
        var best = scenario.Hypotheses.OrderByDescending(h => h.Probability)
            .Select(h => OraclePlanner.Best(OraclePlanner.Score(plans, scenario.Judge, h, scenario.StepLimit)).Plan)
            .DistinctBy(p => p.Goal)
            .Take(3)
            .ToList();
        var home = plans.Count > 0 ? plans[0].End : scenario.CreateWorld();
        var sameGift = best.Count > 1 && best.All(p => p.Kind is GoalKind.Serve or GoalKind.HeatAndServe or GoalKind.Fetch && p.ItemId is not null && p.Person == best[0].Person);
        string text;
        if (sameGift)
        {
            var things = string.Join(" or ", best.Select(p => "the " + (home.FindById(p.ItemId!)?.Name ?? p.ItemId)));
            text = best[0].Person == scenario.Principal ? $"Would you like {things}?" : $"Should {best[0].Person} have {things}?";
        }
        else if (best.Count > 1 && best.Any(p => p.Kind == GoalKind.Tell) && best.FirstOrDefault(p => p.Kind != GoalKind.Tell) is { } instead)
        {
            // What was asked for cannot be done: offer the best substitute as a yes/no ("no" means just tell me).
            text = $"I can't do exactly that. Shall I {instead.Goal} instead?";
        }
        else
        {
            text = $"Shall I {string.Join(", or ", best.Select(p => p.Goal))}?";
        }

        return $"ask \"{text}\"";
    }

    /// <summary>The turn after the person answered: the true θ's best plan from the world after the question.</summary>
    public static string AfterAnswer(Scenario scenario, ScenarioHypothesis truth, World afterQuestion, int stepsLeft)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return OraclePlanner.Plan(afterQuestion, scenario.Judge, truth, stepsLeft).Plan.Text;
    }

    /// <summary>
    /// A reply to "Is there X in the Y?": what the robot can see, or "I don't know." when Y is closed or unseen.
    /// Returns null when the home has no container to ask about.
    /// </summary>
    public static (string Question, string Reply)? FactTurn(World world, Random random)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(random);
        var containers = world.Items.Where(i => i.CanClose && world.RoomOf(i) is not null && world.Contents(i).Any()).ToList();
        if (containers.Count == 0)
        {
            return null;
        }

        var container = containers[random.Next(containers.Count)];
        var inside = world.Contents(container).ToList();
        var asked = random.NextDouble() < 0.6 ? inside[random.Next(inside.Count)].Kind : world.Ontology["milk"];
        var question = $"Is there {asked.Name} in the {container.Name}?";
        var view = RobotView.Of(world);
        if (view.FindById(container.Id) is null || !container.IsOpen)
        {
            return (question, "say \"I don't know.\"");
        }

        var present = inside.Any(i => world.Ontology.IsA(i.Kind, asked));
        return (question, present ? $"say \"Yes, there is {asked.Name} in the {container.Name}.\"" : $"say \"No, there is no {asked.Name} in the {container.Name}.\"");
    }
}
