namespace CoopAgent.Agent.Belief;

/// <summary>
/// Risk aversion for irreversible harm: the value of an action is its expected utility minus a penalty on the
/// probability-weighted catastrophic tail,
/// V(a) = Σ_s b(s)·U(a, s) − λ · Σ_s b(s)·1[U(a, s) ≤ c]·|U(a, s)|,
/// with c the catastrophe threshold and λ the tail penalty. Chosen over CVaR because it is linear in b, so
/// EVOI keeps its usual meaning (a better-informed belief can only help), and because λ = 0 gives back
/// plain expected utility (the EVPI tests use that).
/// </summary>
public sealed record RiskAversion(double CatastropheThreshold, double TailPenalty)
{
    /// <summary>Plain expected utility.</summary>
    public static RiskAversion None { get; } = new(double.NegativeInfinity, 0);

    /// <summary>The agent's default: outcomes at or below −100 count double.</summary>
    public static RiskAversion Default { get; } = new(-100, 1);
}

/// <summary>What kind of information a probe buys.</summary>
public enum ProbeKind
{
    /// <summary>A clarifying question to the person.</summary>
    Question,

    /// <summary>An information-gathering action in the world (open the cupboard to look).</summary>
    Look,
}

/// <summary>
/// A way of learning something before acting: a question or a look. <c>Likelihood[r][s]</c> = P(response r |
/// state s); every column sums to 1 over r. States are whatever the decision problem ranges over (hypotheses θ,
/// or θ × unseen world contents).
/// </summary>
public sealed record Probe(ProbeKind Kind, string Text, double Cost, IReadOnlyList<string> Responses, IReadOnlyList<IReadOnlyList<double>> Likelihood)
{
    /// <summary>A perfect oracle: the response names the state. Its EVOI is the EVPI.</summary>
    public static Probe Perfect(int stateCount) => new(
        ProbeKind.Question, "perfect information", 0,
        Enumerable.Range(0, stateCount).Select(i => $"state {i}").ToArray(),
        Enumerable.Range(0, stateCount).Select(r => (IReadOnlyList<double>)Enumerable.Range(0, stateCount).Select(s => r == s ? 1.0 : 0.0).ToArray()).ToArray());
}

/// <summary>
/// A one-shot decision: actions × states with a utility matrix <c>U[a][s]</c> and a risk attitude. Domain-free:
/// the agent fills the matrix by running each candidate plan in the world model under every hypothesis.
/// </summary>
public sealed class DecisionProblem
{
    private readonly double[][] _utilities;

    public DecisionProblem(IReadOnlyList<string> actions, IReadOnlyList<IReadOnlyList<double>> utilities, RiskAversion risk)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(utilities);
        ArgumentNullException.ThrowIfNull(risk);
        if (actions.Count == 0 || actions.Count != utilities.Count)
        {
            throw new ArgumentException($"{actions.Count} actions but {utilities.Count} utility rows (need ≥ 1)", nameof(utilities));
        }

        StateCount = utilities[0].Count;
        if (StateCount == 0 || utilities.Any(row => row.Count != StateCount || row.Any(double.IsNaN)))
        {
            throw new ArgumentException("every action needs one finite utility per state", nameof(utilities));
        }

        Actions = [.. actions];
        _utilities = utilities.Select(row => row.ToArray()).ToArray();
        Risk = risk;
    }

    public IReadOnlyList<string> Actions { get; }

    public int StateCount { get; }

    public RiskAversion Risk { get; }

    public double Utility(int action, int state) => _utilities[action][state];

    /// <summary>V(a) under belief <paramref name="belief"/> (see <see cref="RiskAversion"/>).</summary>
    public double Value(int action, IReadOnlyList<double> belief)
    {
        CheckBelief(belief);
        var value = 0.0;
        for (var s = 0; s < StateCount; s++)
        {
            var u = _utilities[action][s];
            value += belief[s] * u;
            if (u <= Risk.CatastropheThreshold)
            {
                value -= Risk.TailPenalty * belief[s] * Math.Abs(u);
            }
        }

        return value;
    }

    /// <summary>The best action and its value; the first one wins ties, so callers order candidates by preference.</summary>
    public (int Action, double Value) Best(IReadOnlyList<double> belief)
    {
        var best = 0;
        var bestValue = Value(0, belief);
        for (var a = 1; a < Actions.Count; a++)
        {
            var v = Value(a, belief);
            if (v > bestValue + 1e-12)
            {
                best = a;
                bestValue = v;
            }
        }

        return (best, bestValue);
    }

    /// <summary>P(state | response r) ∝ b(s)·P(r | s), and P(r) itself.</summary>
    public static (double[] Posterior, double Marginal) Condition(IReadOnlyList<double> belief, IReadOnlyList<double> likelihoodOfResponse)
    {
        ArgumentNullException.ThrowIfNull(belief);
        ArgumentNullException.ThrowIfNull(likelihoodOfResponse);
        var joint = belief.Select((b, s) => b * likelihoodOfResponse[s]).ToArray();
        var marginal = joint.Sum();
        return marginal <= 0 ? (joint, 0) : (joint.Select(j => j / marginal).ToArray(), marginal);
    }

    /// <summary>EVOI(q) = Σ_r P(r|q)·max_a V_{b_r}(a) − max_a V_b(a). Never negative up to rounding, since the
    /// value is linear in the belief; clamped at 0.</summary>
    public double Evoi(Probe probe, IReadOnlyList<double> belief)
    {
        ArgumentNullException.ThrowIfNull(probe);
        if (probe.Likelihood.Count != probe.Responses.Count || probe.Likelihood.Any(row => row.Count != StateCount))
        {
            throw new ArgumentException($"probe '{probe.Text}' needs one likelihood row of {StateCount} states per response", nameof(probe));
        }

        var now = Best(belief).Value;
        var informed = 0.0;
        foreach (var row in probe.Likelihood)
        {
            var (posterior, marginal) = Condition(belief, row);
            if (marginal > 0)
            {
                informed += marginal * Best(posterior).Value;
            }
        }

        return Math.Max(0, informed - now);
    }

    /// <summary>Expected value of perfect information about the state.</summary>
    public double Evpi(IReadOnlyList<double> belief) => Evoi(Probe.Perfect(StateCount), belief);

    private void CheckBelief(IReadOnlyList<double> belief)
    {
        ArgumentNullException.ThrowIfNull(belief);
        if (belief.Count != StateCount)
        {
            throw new ArgumentException($"belief over {belief.Count} states for a problem over {StateCount}", nameof(belief));
        }
    }
}
