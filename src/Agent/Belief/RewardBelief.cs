using System.Globalization;
using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Belief;

/// <summary>One line of the belief as the UI draws it.</summary>
public sealed record BeliefEntry(string Name, double Probability);

/// <summary>One paired comparison between options <see cref="Better"/> and <see cref="Worse"/> (indices); with
/// <see cref="Tie"/> the person found them equally good and the order means nothing.</summary>
public sealed record OptionPair(int Better, int Worse, bool Tie = false);

/// <summary>
/// A posterior over named hypotheses θ about the person's hidden reward, kept as log weights so that many
/// small likelihoods never underflow. The belief knows nothing of houses: callers turn what they saw into a
/// likelihood per hypothesis (or a utility per hypothesis for the Boltzmann models below) and call an update.
/// Every update mixes the likelihood with a uniform term, L' = (1 − ε)·L + ε/|R| where |R| is the number of
/// possible observations, so one odd observation can lower the truth but never zero it.
/// </summary>
public sealed class RewardBelief
{
    /// <summary>Default mixing weight ε of the uniform term.</summary>
    public const double DefaultEpsilon = 0.05;

    private readonly string[] _names;
    private readonly double[] _logWeights;

    /// <summary>Creates a belief with the given prior (need not be normalised; every weight must be ≥ 0 and
    /// at least one &gt; 0).</summary>
    public RewardBelief(IReadOnlyList<string> names, IReadOnlyList<double> prior, double epsilon = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(prior);
        if (names.Count == 0)
        {
            throw new ArgumentException("a belief needs at least one hypothesis", nameof(names));
        }

        if (names.Count != prior.Count)
        {
            throw new ArgumentException($"{names.Count} names but {prior.Count} prior weights", nameof(prior));
        }

        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            throw new ArgumentException("hypothesis names must be distinct", nameof(names));
        }

        if (prior.Any(w => double.IsNaN(w) || w < 0 || double.IsInfinity(w)) || prior.All(w => w == 0))
        {
            throw new ArgumentException("prior weights must be finite, ≥ 0 and not all 0", nameof(prior));
        }

        if (epsilon is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be in [0, 1)");
        }

        _names = [.. names];
        _logWeights = prior.Select(w => Math.Log(w)).ToArray();
        Epsilon = epsilon;
        Normalise();
    }

    /// <summary>Uniform belief over the names.</summary>
    public static RewardBelief Uniform(IReadOnlyList<string> names, double epsilon = DefaultEpsilon) =>
        new(names, Enumerable.Repeat(1.0, names.Count).ToArray(), epsilon);

    /// <summary>Mixing weight ε of the uniform term in every update.</summary>
    public double Epsilon { get; }

    public int Count => _names.Length;

    public IReadOnlyList<string> Names => _names;

    /// <summary>Normalised probabilities, in the order of <see cref="Names"/>.</summary>
    public double[] Probabilities() => _logWeights.Select(Math.Exp).ToArray();

    public double Probability(string name)
    {
        var index = Array.IndexOf(_names, name);
        return index < 0 ? throw new KeyNotFoundException($"no hypothesis named '{name}'") : Math.Exp(_logWeights[index]);
    }

    /// <summary>The distribution for the UI: (name, probability), most likely first.</summary>
    public IReadOnlyList<BeliefEntry> Distribution() =>
        _names.Select((n, i) => new BeliefEntry(n, Math.Exp(_logWeights[i])))
            .OrderByDescending(e => e.Probability).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();

    /// <summary>Shannon entropy in nats, H = −Σ p log p.</summary>
    public double Entropy() => -_logWeights.Sum(lw => lw == double.NegativeInfinity ? 0 : Math.Exp(lw) * lw);

    /// <summary>The most likely hypothesis (first by name on ties, so the choice is deterministic).</summary>
    public string MostLikely() => Distribution()[0].Name;

    /// <summary>Bayes' rule with uniform mixing: log b'(θ) = log b(θ) + log((1−ε)·L(θ) + ε/outcomeCount) − log Z.
    /// <paramref name="likelihood"/> is P(observation | θ) for each hypothesis; <paramref name="outcomeCount"/>
    /// is how many different observations were possible (the support of the uniform term).</summary>
    public void Update(IReadOnlyList<double> likelihood, int outcomeCount)
    {
        ArgumentNullException.ThrowIfNull(likelihood);
        if (likelihood.Count != _names.Length)
        {
            throw new ArgumentException($"{likelihood.Count} likelihoods for {_names.Length} hypotheses", nameof(likelihood));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(outcomeCount, 1);
        if (likelihood.Any(l => double.IsNaN(l) || l < 0 || l > 1))
        {
            throw new ArgumentException("likelihoods must be probabilities in [0, 1]", nameof(likelihood));
        }

        var uniform = Epsilon / outcomeCount;
        var updated = new double[_names.Length];
        for (var i = 0; i < _names.Length; i++)
        {
            updated[i] = _logWeights[i] + Math.Log(((1 - Epsilon) * likelihood[i]) + uniform);
        }

        if (updated.All(double.IsNegativeInfinity))
        {
            // Only possible with ε = 0 and an observation every hypothesis calls impossible: keep the belief.
            return;
        }

        updated.CopyTo(_logWeights, 0);
        Normalise();
    }

    /// <summary>
    /// Boltzmann-rational choice: the person chose option <paramref name="chosen"/> among options whose utility
    /// under hypothesis i is <c>utilities[i][option]</c>; P(chosen | θ) = exp(β·U_θ(chosen)) / Σ_o exp(β·U_θ(o)).
    /// This is the speaker model for instructions (options = what the speaker could have asked for) and the
    /// noisy-answer model for answers and choices. Options with equal utility under θ are equally likely.
    /// </summary>
    public void UpdateChoice(IReadOnlyList<IReadOnlyList<double>> utilities, int chosen, double beta)
    {
        ArgumentNullException.ThrowIfNull(utilities);
        if (utilities.Count != _names.Length)
        {
            throw new ArgumentException($"{utilities.Count} utility rows for {_names.Length} hypotheses", nameof(utilities));
        }

        var optionCount = utilities[0].Count;
        if (utilities.Any(row => row.Count != optionCount))
        {
            throw new ArgumentException("every hypothesis must score the same options", nameof(utilities));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(chosen);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chosen, optionCount);
        Update(utilities.Select(row => BoltzmannChoice.Probabilities(row, beta)[chosen]).ToArray(), optionCount);
    }

    /// <summary>
    /// Paired comparisons between options, as the reward model reads a ranking (Bradley–Terry with ties): a strict
    /// pair w ≻ l has P = σ(β·(U_θ(w) − U_θ(l))), a tie √(σ(β·Δ)·σ(−β·Δ)), largest when θ values the two alike.
    /// The likelihood of all pairs is their product; each pair had three possible outcomes (the uniform term's support).
    /// <c>utilities[i][option]</c> is the option's utility under hypothesis i.
    /// </summary>
    public void UpdatePairs(IReadOnlyList<IReadOnlyList<double>> utilities, IReadOnlyList<OptionPair> pairs, double beta)
    {
        ArgumentNullException.ThrowIfNull(utilities);
        ArgumentNullException.ThrowIfNull(pairs);
        if (utilities.Count != _names.Length)
        {
            throw new ArgumentException($"{utilities.Count} utility rows for {_names.Length} hypotheses", nameof(utilities));
        }

        if (pairs.Count == 0)
        {
            return;
        }

        var optionCount = utilities[0].Count;
        if (pairs.Any(p => p.Better < 0 || p.Worse < 0 || p.Better >= optionCount || p.Worse >= optionCount || p.Better == p.Worse))
        {
            throw new ArgumentException($"pairs must name two different options of {optionCount}", nameof(pairs));
        }

        static double LogSigmoid(double x) => x >= 0 ? -Math.Log(1 + Math.Exp(-x)) : x - Math.Log(1 + Math.Exp(x));
        var likelihood = utilities.Select(row => Math.Exp(pairs.Sum(p =>
        {
            var difference = beta * (row[p.Better] - row[p.Worse]);
            return p.Tie ? 0.5 * (LogSigmoid(difference) + LogSigmoid(-difference)) : LogSigmoid(difference);
        }))).ToArray();
        Update(likelihood, (int)Math.Min(Math.Pow(3, pairs.Count), int.MaxValue));
    }

    /// <summary>The probabilities by name, for storing the belief in a user's memory.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() =>
        _names.Select((n, i) => (n, Math.Exp(_logWeights[i]))).ToDictionary(p => p.n, p => p.Item2, StringComparer.Ordinal);

    /// <summary>Replaces the current weights by a stored posterior over the same names (names missing from the
    /// store keep their current weight relative to the others; unknown stored names are ignored).</summary>
    public void RestoreFrom(IReadOnlyDictionary<string, double> probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        for (var i = 0; i < _names.Length; i++)
        {
            if (probabilities.TryGetValue(_names[i], out var p) && p >= 0 && double.IsFinite(p))
            {
                _logWeights[i] = Math.Log(p);
            }
        }

        if (_logWeights.All(double.IsNegativeInfinity))
        {
            Array.Fill(_logWeights, 0);
        }

        Normalise();
    }

    public RewardBelief Clone() => new(_names, Probabilities(), Epsilon);

    public override string ToString() =>
        string.Join(", ", Distribution().Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Name}={e.Probability:F3}")));

    private void Normalise()
    {
        var max = _logWeights.Max();
        var logZ = max + Math.Log(_logWeights.Sum(lw => Math.Exp(lw - max)));
        for (var i = 0; i < _logWeights.Length; i++)
        {
            _logWeights[i] -= logZ;
        }
    }
}
