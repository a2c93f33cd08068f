using CoopAgent.Agent.Pipeline;
using CoopAgent.Server.Retraining;

namespace CoopAgent.Server.Hosting;

/// <summary>Runs one retrain for the schedule: <see cref="Retrainer.Run"/> in the server, a stand-in in tests (so
/// that a test of the schedule does not train).</summary>
public interface IRetrainRunner
{
    /// <summary>Runs <paramref name="request"/> on the calling thread; throws as <see cref="Retrainer.Run"/> does.</summary>
    RetrainResult Run(RetrainRequest request, CancellationToken cancellationToken);
}

/// <summary>The real retrain, its stages and notes written to the server log.</summary>
public sealed class RetrainerRunner(ILogger<RetrainerRunner> logger) : IRetrainRunner
{
    public RetrainResult Run(RetrainRequest request, CancellationToken cancellationToken) =>
        Retrainer.Run(request, new LoggingObserver(logger), cancellationToken);

    /// <summary>Stage boundaries and notes only: per-step figures go to the run folder's files, not the chat log.</summary>
    private sealed class LoggingObserver(ILogger logger) : IRunObserver
    {
        public void StageStarted(string stage, int totalSteps) => logger.LogInformation("Retrain: {Stage} ({Steps} steps)", stage, totalSteps);

        public void StageStep(string stage, int step, IReadOnlyDictionary<string, double> figures)
        {
        }

        public void StageFinished(string stage, IReadOnlyDictionary<string, double> summary) =>
            logger.LogInformation("Retrain: {Stage} done {Summary}", stage, string.Join(", ", summary.Select(f => $"{f.Key}={f.Value:G4}")));

        public void Note(string message) => logger.LogInformation("Retrain: {Note}", message);
    }
}
