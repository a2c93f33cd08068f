namespace CoopAgent.Agent.Baselines;

/// <summary>
/// Split conformal prediction over multiple-choice options, as in KnowNo (Ren et al., 2023, "Robots That Ask
/// For Help"): on a calibration split, the nonconformity of an example is s = 1 − f(x)_y, one minus the
/// score of its correct option; the threshold q̂ is the ⌈(n+1)(1−ε)⌉/n empirical quantile of the n scores;
/// at test time the prediction set is C(x) = { y : f(x)_y ≥ 1 − q̂ }, which holds the correct option with
/// probability ≥ 1 − ε (marginally over exchangeable examples). The robot asks when |C(x)| &gt; 1.
/// </summary>
public sealed class ConformalPredictionSet
{
    private ConformalPredictionSet(double quantile, double epsilon, int calibrationSize)
    {
        Quantile = quantile;
        Epsilon = epsilon;
        CalibrationSize = calibrationSize;
    }

    /// <summary>q̂: the calibrated nonconformity quantile (1 when the split is too small for the coverage asked).</summary>
    public double Quantile { get; }

    /// <summary>Allowed miscoverage ε (coverage 1 − ε).</summary>
    public double Epsilon { get; }

    public int CalibrationSize { get; }

    /// <summary>Calibrates from the scores the model gave the correct option on each calibration example.</summary>
    public static ConformalPredictionSet Calibrate(IReadOnlyList<double> scoresOfCorrectOption, double epsilon)
    {
        ArgumentNullException.ThrowIfNull(scoresOfCorrectOption);
        if (epsilon is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be in (0, 1)");
        }

        if (scoresOfCorrectOption.Count == 0)
        {
            throw new ArgumentException("calibration needs at least one example", nameof(scoresOfCorrectOption));
        }

        if (scoresOfCorrectOption.Any(s => double.IsNaN(s) || s < 0 || s > 1))
        {
            throw new ArgumentException("scores must be probabilities in [0, 1]", nameof(scoresOfCorrectOption));
        }

        var n = scoresOfCorrectOption.Count;
        var nonconformity = scoresOfCorrectOption.Select(s => 1 - s).Order().ToArray();
        var rank = (int)Math.Ceiling((n + 1) * (1 - epsilon));
        var quantile = rank > n ? 1.0 : nonconformity[rank - 1];
        return new ConformalPredictionSet(quantile, epsilon, n);
    }

    /// <summary>Indices of the options in the prediction set: score ≥ 1 − q̂ (a small tolerance absorbs rounding).</summary>
    public IReadOnlyList<int> PredictionSet(IReadOnlyList<double> optionScores)
    {
        ArgumentNullException.ThrowIfNull(optionScores);
        return Enumerable.Range(0, optionScores.Count).Where(i => optionScores[i] >= 1 - Quantile - 1e-12).ToList();
    }
}
