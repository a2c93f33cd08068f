using CoopAgent.Agent.Household;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Planning;

/// <summary>A candidate plan scored under one θ hypothesis.</summary>
public sealed record ScoredPlan(CandidatePlan Plan, double Utility, ScenarioVerdict Verdict, World End);

/// <summary>
/// The planner that knows θ: enumerates candidate plans (<see cref="PlanEnumerator"/>), judges each simulated
/// end state under the hypothesis and takes the argmax of utility. Ties go to the shorter plan, then to the
/// earlier one, so the choice is deterministic.
/// </summary>
public static class OraclePlanner
{
    /// <summary>Judges every plan under <paramref name="truth"/>; plans longer than <paramref name="maxSteps"/> are dropped.</summary>
    public static IReadOnlyList<ScoredPlan> Score(
        IReadOnlyList<SimulatedPlan> plans,
        Func<World, ScenarioHypothesis, ScenarioVerdict> judge,
        ScenarioHypothesis truth,
        int maxSteps = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(judge);
        return plans
            .Where(p => p.Plan.Actions.Count <= maxSteps)
            .Select(p =>
            {
                var end = p.End.Clone();
                var verdict = judge(end, truth);
                return new ScoredPlan(p.Plan, verdict.Utility, verdict, end);
            })
            .ToList();
    }

    /// <summary>The best of <paramref name="scored"/> (highest utility, then fewest actions, then first).</summary>
    public static ScoredPlan Best(IReadOnlyList<ScoredPlan> scored)
    {
        ArgumentNullException.ThrowIfNull(scored);
        if (scored.Count == 0)
        {
            throw new ArgumentException("no candidate plan to choose from", nameof(scored));
        }

        var best = scored[0];
        foreach (var s in scored.Skip(1))
        {
            if (s.Utility > best.Utility + 1e-9 || (Math.Abs(s.Utility - best.Utility) <= 1e-9 && s.Plan.Actions.Count < best.Plan.Actions.Count))
            {
                best = s;
            }
        }

        return best;
    }

    /// <summary>How many of the best plans are also tried with a confirming question first.</summary>
    private const int ConfirmVariants = 5;

    /// <summary>
    /// The best plan for <paramref name="world"/> under <paramref name="truth"/> within the step budget. The
    /// oracle needs no answers, but some people want to be asked (a θ whose success needs a question, or that
    /// values being consulted): the few best plans are also scored with <c>ask "Shall I ...?"</c> in front, and
    /// such a variant wins only when θ's utility says so.
    /// </summary>
    public static ScoredPlan Plan(World world, Func<World, ScenarioHypothesis, ScenarioVerdict> judge, ScenarioHypothesis truth, int maxSteps = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(world);
        var scored = Score(PlanEnumerator.Enumerate(world), judge, truth, maxSteps);
        var confirmed = scored.OrderByDescending(s => s.Utility).Take(ConfirmVariants)
            .Select(s => s.Plan with { Goal = $"ask, then {s.Plan.Goal}", Actions = [$"ask \"Shall I {s.Plan.Goal}?\"", .. s.Plan.Actions] })
            .Select(p => PlanEnumerator.Simulate(world, p))
            .OfType<SimulatedPlan>()
            .ToList();
        return Best([.. scored, .. Score(confirmed, judge, truth, maxSteps)]);
    }

    /// <summary>
    /// Expected value of perfect information about θ for an agent that knows the world but only the prior:
    /// EVPI = Σ_h P(h) max_a U_h(a) − max_a Σ_h P(h) U_h(a). No question can be worth more than this, so when
    /// EVPI does not exceed the cost of a question, asking is unnecessary.
    /// </summary>
    public static double ValueOfPerfectInformation(
        IReadOnlyList<SimulatedPlan> plans,
        Func<World, ScenarioHypothesis, ScenarioVerdict> judge,
        IReadOnlyList<ScenarioHypothesis> hypotheses,
        int maxSteps = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        var total = hypotheses.Sum(h => h.Probability);
        var perHypothesis = hypotheses.Select(h => Score(plans, judge, h, maxSteps).Select(s => s.Utility).ToArray()).ToList();
        if (perHypothesis.Count == 0 || perHypothesis[0].Length == 0)
        {
            return 0;
        }

        var informed = hypotheses.Select((h, k) => h.Probability / total * perHypothesis[k].Max()).Sum();
        var uninformed = Enumerable.Range(0, perHypothesis[0].Length)
            .Max(a => hypotheses.Select((h, k) => h.Probability / total * perHypothesis[k][a]).Sum());
        return Math.Max(0, informed - uninformed);
    }
}
