using System.Diagnostics;
using System.Globalization;
using CoopAgent.Agent.Pipeline;
using Spectre.Console;

namespace CoopAgent.Server.Reporting;

/// <summary>
/// Draws one progress bar per stage (rate and time left) on an interactive terminal; elsewhere (CI, a
/// pipe) prints a plain line at every tenth of a stage, so logs stay short and readable. Selected stages
/// (PPO) also get a line of key figures per step.
/// </summary>
public sealed class ConsoleRunObserver : IRunObserver
{
    private readonly ProgressContext? _context;
    private readonly TextWriter _plain;
    private readonly HashSet<string> _verboseStages;
    private readonly Dictionary<string, (ProgressTask? Task, int Total, Stopwatch Clock, int LastTenth)> _stages = new(StringComparer.Ordinal);

    /// <param name="context">Spectre's live progress context, or null to print plain lines.</param>
    /// <param name="plain">Where plain lines and notes go.</param>
    /// <param name="verboseStages">Stages whose every step prints its figures (e.g. <c>ppo</c>).</param>
    public ConsoleRunObserver(ProgressContext? context, TextWriter plain, params string[] verboseStages)
    {
        _context = context;
        _plain = plain;
        _verboseStages = new HashSet<string>(verboseStages, StringComparer.Ordinal);
    }

    public void StageStarted(string stage, int totalSteps)
    {
        var task = _context?.AddTask(Markup.Escape(stage), maxValue: Math.Max(1, totalSteps));
        _stages[stage] = (task, Math.Max(1, totalSteps), Stopwatch.StartNew(), 0);
        if (_context is null)
        {
            _plain.WriteLine($"[{stage}] started: {totalSteps} steps");
        }
    }

    public void StageStep(string stage, int step, IReadOnlyDictionary<string, double> figures)
    {
        if (!_stages.TryGetValue(stage, out var s))
        {
            StageStarted(stage, step);
            s = _stages[stage];
        }

        if (s.Task is not null)
        {
            s.Task.Value = Math.Min(step, s.Total);
        }
        else
        {
            var tenth = (int)(10L * step / s.Total);
            if (tenth > s.LastTenth)
            {
                var rate = step / Math.Max(1e-9, s.Clock.Elapsed.TotalSeconds);
                var left = TimeSpan.FromSeconds((s.Total - step) / Math.Max(1e-9, rate));
                _plain.WriteLine($"[{stage}] {step}/{s.Total} ({rate:F1} steps/s, {left:mm\\:ss} left) {Format(figures, 3)}");
                _stages[stage] = s with { LastTenth = tenth };
            }
        }

        if (_verboseStages.Contains(stage))
        {
            Line($"[{stage} {step}] {Format(figures, int.MaxValue)}");
        }
    }

    public void StageFinished(string stage, IReadOnlyDictionary<string, double> summary)
    {
        if (_stages.TryGetValue(stage, out var s) && s.Task is not null)
        {
            s.Task.Value = s.Total;
            s.Task.StopTask();
        }

        Line($"[{stage}] done in {(s.Clock?.Elapsed ?? TimeSpan.Zero).TotalSeconds:F1} s {Format(summary, int.MaxValue)}");
    }

    public void Note(string message) => Line(message);

    private void Line(string text)
    {
        if (_context is not null)
        {
            AnsiConsole.MarkupLine(Markup.Escape(text));
        }
        else
        {
            _plain.WriteLine(text);
        }
    }

    private static string Format(IReadOnlyDictionary<string, double> figures, int most) =>
        string.Join(' ', figures.Take(most).Select(f => $"{f.Key}={f.Value.ToString("G4", CultureInfo.InvariantCulture)}"));
}

/// <summary>Writes every step and summary of a run into a <see cref="MetricsLog"/>.</summary>
public sealed class MetricsRunObserver(MetricsLog log) : IRunObserver
{
    public void StageStarted(string stage, int totalSteps)
    {
    }

    public void StageStep(string stage, int step, IReadOnlyDictionary<string, double> figures) => log.Write(stage, step, figures);

    public void StageFinished(string stage, IReadOnlyDictionary<string, double> summary)
    {
        if (summary.Count > 0)
        {
            log.Write(stage + ".summary", 0, summary);
        }
    }

    public void Note(string message)
    {
    }
}
