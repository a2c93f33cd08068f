using CoopAgent.Agent.Pipeline;

namespace CoopAgent.Server.Retraining;

/// <summary>
/// Retrains the serving policy from the feedback log: preference data → population prior from the logged answers →
/// reward model (continued, with replay) →
/// supervised steps on corrections → PPO anchored to the serving policy → evaluation of candidate and serving policy
/// → gate → promotion through <see cref="PolicyVersions"/> (docs/ARCHITECTURE.md, "Retraining").
/// </summary>
/// <remarks>Safe on a background thread of the server: it loads its own copies of the models from disk, keeps every
/// tensor inside its trainers' dispose scopes, and touches the serving policy only through <see cref="PolicyVersions"/>.
/// Run one retrain per run folder at a time.</remarks>
public static class Retrainer
{
    /// <summary>Runs one retrain; see <see cref="RetrainRequest"/>.</summary>
    /// <exception cref="RetrainException">The inputs cannot give a retrain (the message says why); nothing was promoted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the run folder can be resumed.</exception>
    public static RetrainResult Run(RetrainRequest request, IRunObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        return new RetrainRun(request, observer).Run(cancellationToken);
    }
}
