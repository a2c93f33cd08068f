using System.Text.Json;
using System.Text.Json.Nodes;

namespace CoopAgent.Server.Reporting;

/// <summary>
/// Appends one JSON object per line to <c>metrics.jsonl</c> (stage, step, UTC time, then the figures) and
/// keeps the rows in memory for the plots. Every line is flushed at once, so a killed run keeps what it
/// measured; an existing file is read back on resume so the plots cover the whole run.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly List<MetricsRow> _rows = [];
    private readonly Lock _gate = new();

    public MetricsLog(string path)
    {
        Path = path;
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (TryParse(line, out var row))
                {
                    _rows.Add(row);
                }
            }
        }

        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public string Path { get; }

    public IReadOnlyList<MetricsRow> Rows
    {
        get
        {
            lock (_gate)
            {
                return _rows.ToList();
            }
        }
    }

    public void Write(string stage, int step, IReadOnlyDictionary<string, double> figures)
    {
        var row = new MetricsRow(stage, step, DateTimeOffset.UtcNow, new Dictionary<string, double>(figures));
        var json = new JsonObject
        {
            ["stage"] = stage,
            ["step"] = step,
            ["time"] = row.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in figures)
        {
            // JSON has no NaN or infinity; a figure that is not a number is written as null.
            json[key] = double.IsFinite(value) ? JsonValue.Create(value) : null;
        }

        lock (_gate)
        {
            _rows.Add(row);
            _writer.WriteLine(json.ToJsonString());
        }
    }

    /// <summary>The series of one figure within one stage, in step order.</summary>
    public (double[] Steps, double[] Values) Series(string stage, string figure)
    {
        var points = Rows.Where(r => r.Stage == stage && r.Figures.TryGetValue(figure, out var v) && double.IsFinite(v))
            .OrderBy(r => r.Step)
            .Select(r => (Step: (double)r.Step, Value: r.Figures[figure]))
            .ToList();
        return (points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray());
    }

    public void Dispose() => _writer.Dispose();

    private static bool TryParse(string line, out MetricsRow row)
    {
        row = default!;
        try
        {
            if (JsonNode.Parse(line) is not JsonObject obj || obj["stage"] is null || obj["step"] is null)
            {
                return false;
            }

            var figures = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (key, value) in obj)
            {
                if (key is "stage" or "step" or "time" || value is not JsonValue v)
                {
                    continue;
                }

                if (v.TryGetValue<double>(out var d))
                {
                    figures[key] = d;
                }
            }

            var time = obj["time"] is JsonValue t && t.TryGetValue<DateTimeOffset>(out var parsed) ? parsed : DateTimeOffset.MinValue;
            row = new MetricsRow(obj["stage"]!.GetValue<string>(), obj["step"]!.GetValue<int>(), time, figures);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return false; // A line cut short by a kill is skipped, not fatal.
        }
    }
}

/// <summary>One line of metrics.jsonl.</summary>
public sealed record MetricsRow(string Stage, int Step, DateTimeOffset Time, IReadOnlyDictionary<string, double> Figures);
