using System.Globalization;
using System.Text;

namespace CoopAgent.Agent.Belief;

/// <summary>What the agent does next.</summary>
public enum DecisionKind
{
    Act,
    Ask,
    Look,
}

/// <summary>
/// The outcome of <see cref="QuestionChooser.Choose"/>: the best action under the current belief and its value,
/// the chosen probe (a question or a look) when one is worth its cost, and a sentence saying why.
/// </summary>
public sealed record Decision(
    DecisionKind Kind,
    int BestAction,
    double ValueOfActing,
    Probe? Probe,
    double Evoi,
    string Explanation);

/// <summary>
/// Chooses between acting, asking and looking by value of information, never by an entropy threshold:
/// ask the best question q iff EVOI(q) − cost(q) &gt; 0 and it beats every information-gathering action;
/// look iff the best look's EVOI − cost is positive and beats the question; otherwise act on the best action.
/// </summary>
public sealed class QuestionChooser
{
    private readonly IReadOnlyList<string> _stateNames;

    /// <param name="stateNames">Names of the states (hypotheses), used in explanations.</param>
    public QuestionChooser(IReadOnlyList<string> stateNames)
    {
        ArgumentNullException.ThrowIfNull(stateNames);
        _stateNames = stateNames;
    }

    public Decision Choose(DecisionProblem problem, IReadOnlyList<double> belief, IReadOnlyList<Probe> probes)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(probes);
        if (_stateNames.Count != problem.StateCount)
        {
            throw new ArgumentException($"{_stateNames.Count} state names for {problem.StateCount} states", nameof(problem));
        }

        var (best, valueOfActing) = problem.Best(belief);
        var scored = probes.Select(p => (Probe: p, Evoi: problem.Evoi(p, belief))).ToList();
        var question = Top(scored, ProbeKind.Question);
        var look = Top(scored, ProbeKind.Look);
        var questionNet = question is { } q ? q.Evoi - q.Probe.Cost : double.NegativeInfinity;
        var lookNet = look is { } l ? l.Evoi - l.Probe.Cost : double.NegativeInfinity;

        // The decision rule of the issue, as code: ask when the value of asking beats acting (EVOI − cost > 0)
        // and beats looking; look when looking is worth more than both.
        if (question is { } ask && questionNet > 0 && questionNet >= lookNet)
        {
            return new Decision(DecisionKind.Ask, best, valueOfActing, ask.Probe, ask.Evoi, Explain(problem, belief, best, ask.Probe, ask.Evoi));
        }

        if (look is { } peek && lookNet > 0)
        {
            return new Decision(DecisionKind.Look, best, valueOfActing, peek.Probe, peek.Evoi, Explain(problem, belief, best, peek.Probe, peek.Evoi));
        }

        var topEvoi = scored.Count == 0 ? 0 : scored.Max(s => s.Evoi);
        return new Decision(DecisionKind.Act, best, valueOfActing, null, topEvoi, ExplainActing(problem, belief, best, scored));
    }

    /// <summary>The states grouped by the action each would choose if it were certain (first index on ties),
    /// as (action, states). More than one group means the hypotheses split.</summary>
    public static IReadOnlyList<(int Action, IReadOnlyList<int> States)> Split(DecisionProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var groups = new SortedDictionary<int, List<int>>();
        for (var s = 0; s < problem.StateCount; s++)
        {
            var certain = new double[problem.StateCount];
            certain[s] = 1;
            var action = problem.Best(certain).Action;
            if (!groups.TryGetValue(action, out var list))
            {
                groups[action] = list = [];
            }

            list.Add(s);
        }

        return groups.Select(g => (g.Key, (IReadOnlyList<int>)g.Value)).ToList();
    }

    private static (Probe Probe, double Evoi)? Top(List<(Probe Probe, double Evoi)> scored, ProbeKind kind)
    {
        (Probe Probe, double Evoi)? top = null;
        foreach (var candidate in scored.Where(s => s.Probe.Kind == kind))
        {
            if (top is null || candidate.Evoi - candidate.Probe.Cost > top.Value.Evoi - top.Value.Probe.Cost + 1e-12)
            {
                top = candidate;
            }
        }

        return top;
    }

    private string Explain(DecisionProblem problem, IReadOnlyList<double> belief, int best, Probe probe, double evoi)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{(probe.Kind == ProbeKind.Question ? "Asked" : "Looked")} because the hypotheses disagree: ");
        text.Append(string.Join("; ", Split(problem).Select(g =>
            $"{string.Join(", ", g.States.Select(s => string.Create(CultureInfo.InvariantCulture, $"'{_stateNames[s]}' ({belief[s]:P0})")))} would '{problem.Actions[g.Action]}'")));
        text.Append(CultureInfo.InvariantCulture, $". Acting now ('{problem.Actions[best]}') is worth {problem.Value(best, belief):F2}; ");
        text.Append(CultureInfo.InvariantCulture, $"'{probe.Text}' is worth {evoi:F2} more (cost {probe.Cost:F2}).");
        AppendStake(text, problem, belief);
        return text.ToString();
    }

    private static string ExplainActing(DecisionProblem problem, IReadOnlyList<double> belief, int best, List<(Probe Probe, double Evoi)> scored)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Acted: '{problem.Actions[best]}' is worth {problem.Value(best, belief):F2} under the belief");
        if (Split(problem).Count == 1)
        {
            text.Append("; every hypothesis would choose it, so no question could change the choice.");
        }
        else if (scored.Count > 0)
        {
            var top = scored.MaxBy(s => s.Evoi - s.Probe.Cost);
            text.Append(CultureInfo.InvariantCulture, $"; the best question '{top.Probe.Text}' is worth {top.Evoi:F2}, less than its cost {top.Probe.Cost:F2}.");
        }
        else
        {
            text.Append("; the hypotheses split but there was nothing to ask.");
        }

        return text.ToString();
    }

    private void AppendStake(StringBuilder text, DecisionProblem problem, IReadOnlyList<double> belief)
    {
        // What was at stake: the worst outcome any candidate risks under a hypothesis the belief still allows.
        var worst = (Action: -1, State: -1, Utility: double.PositiveInfinity);
        for (var a = 0; a < problem.Actions.Count; a++)
        {
            for (var s = 0; s < problem.StateCount; s++)
            {
                if (belief[s] > 0 && problem.Utility(a, s) < worst.Utility)
                {
                    worst = (a, s, problem.Utility(a, s));
                }
            }
        }

        if (worst.Action >= 0 && worst.Utility <= problem.Risk.CatastropheThreshold)
        {
            text.Append(CultureInfo.InvariantCulture,
                $" At stake: '{problem.Actions[worst.Action]}' would be a catastrophe ({worst.Utility:F0}) if '{_stateNames[worst.State]}' ({belief[worst.State]:P1}) is true.");
        }
    }
}
