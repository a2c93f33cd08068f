using System.Globalization;

namespace CoopAgent.Agent.Experiments;

/// <summary>How big an experiment runs.</summary>
/// <param name="Quick">Sizes small enough for the test suite (seconds, not minutes); the figures are noisier.</param>
/// <param name="Seeds">Independent seeds per configuration (1, 2, …, Seeds); tables give mean ± spread over them.</param>
public sealed record ExperimentSettings(bool Quick = false, int Seeds = 3)
{
    /// <summary>Throws <see cref="ArgumentException"/> for a seed count below one.</summary>
    public void Validate()
    {
        if (Seeds < 1)
        {
            throw new ArgumentException($"an experiment needs at least one seed (got {Seeds}).");
        }
    }
}

/// <summary>One printed table: a header row and rows of formatted cells.</summary>
public sealed record ExperimentTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>One curve for a plot: y against x (for example mean gold reward against rollout samples).</summary>
public sealed record ExperimentCurve(string Plot, string Legend, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>What an experiment measured: the table to print, the JSON object (plain numbers, strings, lists and
/// dictionaries) and the curves worth plotting.</summary>
public sealed record ExperimentReport(string Name, ExperimentTable Table, IReadOnlyDictionary<string, object?> Json, IReadOnlyList<ExperimentCurve> Curves);

/// <summary>Mean and sample standard deviation of one figure over seeds.</summary>
public sealed record SeedSpread(double Mean, double Spread)
{
    public static SeedSpread Of(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("no values to summarise.", nameof(values));
        }

        var mean = values.Average();
        var spread = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0.0;
        return new SeedSpread(mean, spread);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Mean:0.000} ± {Spread:0.000}");

    /// <summary>The JSON form: {"mean": …, "spread": …}.</summary>
    public IReadOnlyDictionary<string, object?> ToJson() => new Dictionary<string, object?> { ["mean"] = Mean, ["spread"] = Spread };
}

/// <summary>The experiments by name.</summary>
public static class ExperimentCatalog
{
    public static IReadOnlyList<string> Names { get; } = ["uncertainty", "ppo-tricks", "curriculum", "algorithms"];

    /// <summary>Formats a number for a table cell with three decimals (invariant culture).</summary>
    public static string Cell(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
