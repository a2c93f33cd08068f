using CoopAgent.Agent.Pipeline;
using CoopAgent.Server.Feedback;

namespace CoopAgent.Server.Retraining;

/// <summary>
/// Retrains the serving policy from the feedback log: preference data → reward model → PPO anchored to the serving
/// policy → population prior → evaluation against the serving policy → gate → promotion (docs/ARCHITECTURE.md, "Retraining").
/// </summary>
/// <remarks>Safe on a background thread of the server: it loads its own copies of the models from disk, keeps every
/// tensor inside its own dispose scopes, and touches the serving policy only through <see cref="PolicyVersions"/>.</remarks>
public static class Retrainer
{
    /// <summary>Runs one retrain; see <see cref="RetrainRequest"/>.</summary>
    /// <exception cref="RetrainException">The inputs cannot give a retrain (the message says why); nothing was promoted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the run folder can be resumed.</exception>
    public static RetrainResult Run(RetrainRequest request, IRunObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        var dataset = LoadDataset(request);
        cancellationToken.ThrowIfCancellationRequested();
        // Work in progress: the training stages land in the next commits; until then nothing is promoted.
        return new RetrainResult(false, null, ["training stages not implemented yet"], new Dictionary<string, double>(),
            new Dictionary<string, int> { ["pairs"] = dataset.Pairs.Count }, Path.Combine(request.OutFolder, "policy"));
    }

    private static PreferenceDataset LoadDataset(RetrainRequest request)
    {
        IReadOnlyList<(FeedbackRecord Feedback, TurnRecord Turn)> log;
        try
        {
            log = FeedbackStore.ReadFeedbackLog(request.Db);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new RetrainException(e.Message, e);
        }

        var dataset = PreferenceDataset.Build(log, request.Since);
        return dataset.Pairs.Count == 0
            ? throw new RetrainException($"{request.Db}: no feedback gives a preference pair{(request.Since is null ? "" : $" since {request.Since:O}")}; nothing to retrain on.")
            : dataset;
    }
}
