using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Hosting;

/// <summary>Reads the serving policy's version pointer every <see cref="ServerOptions.PolicyPollInterval"/> and lets
/// the engine swap in a promoted or rolled-back version (<see cref="CooperativeConversationEngine.RefreshAsync"/>).
/// Polling a one-line file every few seconds costs nothing and, unlike a file-system watcher, sees a pointer
/// replaced by a rename on every file system.</summary>
public sealed class PolicyWatcher(IConversationEngine engine, ServerOptions options, ILogger<PolicyWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (engine is not CooperativeConversationEngine cooperative)
        {
            return; // a test engine has no policy to follow
        }

        using var timer = new PeriodicTimer(options.PolicyPollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await cooperative.RefreshAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the next poll tries again; a failed poll must never stop the host
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError(e, "Checking for a new policy version failed; the serving policy stays");
            }
        }
    }
}
