namespace CoopAgent.Agent.Pipeline;

/// <summary>
/// Watches a long run (training, retraining, experiments): stages with a known number of steps, the
/// figures of each step, and notes worth a person's attention. The console draws progress bars from it,
/// the metrics log and the plots are written from it, and tests count on it.
/// </summary>
public interface IRunObserver
{
    void StageStarted(string stage, int totalSteps);

    /// <summary>One step done; <paramref name="figures"/> are written to metrics.jsonl as they are.</summary>
    void StageStep(string stage, int step, IReadOnlyDictionary<string, double> figures);

    void StageFinished(string stage, IReadOnlyDictionary<string, double> summary);

    /// <summary>Something a person should read: a resumed stage, a kept checkpoint, overoptimisation seen.</summary>
    void Note(string message);
}

/// <summary>An observer that forwards to several (console + metrics log, say).</summary>
public sealed class RunObservers(params IRunObserver[] observers) : IRunObserver
{
    public void StageStarted(string stage, int totalSteps)
    {
        foreach (var o in observers)
        {
            o.StageStarted(stage, totalSteps);
        }
    }

    public void StageStep(string stage, int step, IReadOnlyDictionary<string, double> figures)
    {
        foreach (var o in observers)
        {
            o.StageStep(stage, step, figures);
        }
    }

    public void StageFinished(string stage, IReadOnlyDictionary<string, double> summary)
    {
        foreach (var o in observers)
        {
            o.StageFinished(stage, summary);
        }
    }

    public void Note(string message)
    {
        foreach (var o in observers)
        {
            o.Note(message);
        }
    }
}
