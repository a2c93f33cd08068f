using CoopAgent.Server.Feedback;
using CoopAgent.Server.Retraining;
using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Hosting;

/// <summary>
/// <c>serve --retrain-every DURATION</c>: every tick, a retrain of the serving policy from the server's own feedback
/// database (read through a copy) into <c>&lt;data&gt;/retrain/run-…</c>, on its own thread so chat never waits for
/// it. One at a time: a tick that finds the previous retrain still running is skipped (and logged). The gate's
/// decision is logged; a promotion reaches the chat through <see cref="PolicyWatcher"/>. A retrain that crashes is
/// logged, leaves the serving policy and the database as they were (the retrainer never writes either except by
/// an atomic promotion), and the next tick resumes its run folder.
/// </summary>
public sealed class ScheduledRetraining(ServerOptions options, FeedbackStore store, IRetrainRunner runner, ILogger<ScheduledRetraining> logger) : BackgroundService
{
    private readonly object _lock = new();
    private Task? _running;
    private RetrainRequest? _resume;
    private int _runs;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.RetrainEvery is not { } every)
        {
            return;
        }

        logger.LogInformation("Retraining from the feedback log every {Every} (preset {Preset}), runs under {Folder}", every, options.RetrainPreset, RunsFolder);
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                _ = Tick(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the running retrain sees the same token and stops where it can resume.
        }

        if (_running is { } running)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private string RunsFolder => Path.Combine(Path.GetFullPath(options.DataDirectory), "retrain");

    /// <summary>Starts a retrain unless one is running; returns it, or null when the tick was skipped.</summary>
    internal Task? Tick(CancellationToken stoppingToken)
    {
        lock (_lock)
        {
            if (_running is { IsCompleted: false })
            {
                logger.LogInformation("Scheduled retrain skipped: the previous one is still running");
                return null;
            }

            if (Request() is not { } request)
            {
                return null;
            }

            _running = Task.Factory.StartNew(() => RunOnce(request, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return _running;
        }
    }

    private RetrainRequest? Request()
    {
        if (_resume is { } resume)
        {
            return resume;
        }

        var policy = PolicyLocator.Find(options.PolicyDirectory);
        if (policy is null)
        {
            logger.LogWarning("Scheduled retrain skipped: there is no policy folder at '{Policy}' to retrain", options.PolicyDirectory);
            return null;
        }

        var run = Interlocked.Increment(ref _runs);
        var folder = Path.Combine(RunsFolder, $"run-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{run}");
        return new RetrainRequest(store.Path, policy, folder, Since: null, Resume: false, Seed: run, RetrainSizes.ByName(options.RetrainPreset),
            Command: $"coopagent serve --retrain-every {options.RetrainEvery}");
    }

    private void RunOnce(RetrainRequest request, CancellationToken stoppingToken)
    {
        logger.LogInformation("Scheduled retrain {Mode} {Folder}", request.Resume ? "resumes" : "starts in", request.OutFolder);
        try
        {
            var result = runner.Run(request, stoppingToken);
            _resume = null;
            if (result.Promoted)
            {
                logger.LogInformation("Scheduled retrain: the gate promoted {Version}: {Reasons}", result.NewVersion, string.Join("; ", result.Reasons));
            }
            else
            {
                logger.LogInformation("Scheduled retrain: the gate kept the serving policy: {Reasons}", string.Join("; ", result.Reasons));
            }
        }
        catch (RetrainException e)
        {
            // Nothing to learn from yet (no feedback), or inputs that cannot give a retrain: the next tick starts afresh.
            _resume = null;
            logger.LogWarning("Scheduled retrain did not run: {Reason}", e.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _resume = request with { Resume = true };
            logger.LogInformation("Scheduled retrain stopped with the server; {Folder} can be resumed", request.OutFolder);
        }
#pragma warning disable CA1031 // a crashed retrain must not take the chat down; it is logged and resumed at the next tick
        catch (Exception e)
#pragma warning restore CA1031
        {
            _resume = request with { Resume = true };
            logger.LogError(e, "Scheduled retrain crashed; the serving policy and the database are untouched; the next tick resumes {Folder}", request.OutFolder);
        }
    }
}
