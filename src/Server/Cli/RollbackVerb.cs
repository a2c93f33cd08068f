using CoopAgent.Server.Retraining;
using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent rollback [--policy DIR]</c>: points the policy back at the version that served before the
/// current one (a running server picks it up) and prints the version it returned to.</summary>
public sealed class RollbackVerb : ICliVerb
{
    public string Name => "rollback";

    public string Usage => "[--policy DIR]   serve the version before the current one again";

    public Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var policyArgument = args.Get("policy", "policies/default");
        args.RejectUnknown();
        var policy = PolicyLocator.Find(policyArgument);
        if (policy is null)
        {
            Console.Error.WriteLine($"coopagent rollback: --policy {policyArgument}: no policy folder there.");
            return Task.FromResult(1);
        }

        try
        {
            var versions = new PolicyVersions(policy);
            var from = versions.CurrentVersion;
            var to = versions.Rollback();
            Console.WriteLine($"rolled back: {to} serves again (was {from})");
            return Task.FromResult(0);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"coopagent rollback: {e.Message}");
            return Task.FromResult(1);
        }
    }
}
