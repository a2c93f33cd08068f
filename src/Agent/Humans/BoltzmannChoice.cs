namespace CoopAgent.Agent.Humans;

/// <summary>
/// Boltzmann-rational choice: a person picks option i with probability
/// P(i) = exp(β·U_i) / Σ_j exp(β·U_j) (Luce's choice axiom with rationality β; β → ∞ is the perfectly
/// rational chooser, β = 0 picks uniformly). Options whose utilities lie within a tolerance of the best
/// are a tie: the person does not mind between them.
/// </summary>
public static class BoltzmannChoice
{
    /// <summary>The softmax of β·U, computed with the maximum subtracted so large utilities never overflow.
    /// β = +∞ puts equal mass on the argmax set.</summary>
    public static double[] Probabilities(IReadOnlyList<double> utilities, double beta)
    {
        ArgumentNullException.ThrowIfNull(utilities);
        if (utilities.Count == 0)
        {
            throw new ArgumentException("A choice needs at least one option.", nameof(utilities));
        }

        if (double.IsNaN(beta) || beta < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "Rationality β must be ≥ 0 (use +∞ for a perfect chooser).");
        }

        var best = utilities.Max();
        var p = new double[utilities.Count];
        if (double.IsPositiveInfinity(beta))
        {
            var winners = utilities.Count(u => u == best);
            for (var i = 0; i < p.Length; i++)
            {
                p[i] = utilities[i] == best ? 1.0 / winners : 0.0;
            }

            return p;
        }

        var sum = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = Math.Exp(beta * (utilities[i] - best));
            sum += p[i];
        }

        for (var i = 0; i < p.Length; i++)
        {
            p[i] /= sum;
        }

        return p;
    }

    /// <summary>Draws one option index from <see cref="Probabilities"/>.</summary>
    public static int Sample(IReadOnlyList<double> utilities, double beta, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var p = Probabilities(utilities, beta);
        var u = random.NextDouble();
        var cumulative = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            cumulative += p[i];
            if (u < cumulative)
            {
                return i;
            }
        }

        // Rounding can leave Σp a hair below 1; the last option with mass takes the remainder.
        return Array.FindLastIndex(p, x => x > 0);
    }

    /// <summary>Indices of the options within <paramref name="tolerance"/> of the best utility.</summary>
    public static IReadOnlyList<int> NearBest(IReadOnlyList<double> utilities, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(utilities);
        if (utilities.Count == 0)
        {
            return [];
        }

        var best = utilities.Max();
        return Enumerable.Range(0, utilities.Count).Where(i => best - utilities[i] <= tolerance).ToList();
    }

    /// <summary>
    /// Ranks options by utility, best first, as tie groups: options whose utilities differ by at most
    /// <paramref name="tolerance"/> from the first of their group share a rank. Returns, for each option,
    /// its rank (0 = best); tied options have equal ranks.
    /// </summary>
    public static int[] Rank(IReadOnlyList<double> utilities, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(utilities);
        var order = Enumerable.Range(0, utilities.Count).OrderByDescending(i => utilities[i]).ThenBy(i => i).ToArray();
        var ranks = new int[utilities.Count];
        var rank = -1;
        var groupTop = double.NaN;
        foreach (var i in order)
        {
            if (rank < 0 || groupTop - utilities[i] > tolerance)
            {
                rank++;
                groupTop = utilities[i];
            }

            ranks[i] = rank;
        }

        return ranks;
    }
}
