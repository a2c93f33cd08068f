namespace CoopAgent.Server.Cli;

/// <summary>One verb of the <c>coopagent</c> command. Implementations are discovered by reflection,
/// so adding a verb is adding one class: no central list to edit.</summary>
public interface ICliVerb
{
    /// <summary>The word on the command line, for example <c>eval</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>coopagent help</c>: the options and what the verb does.</summary>
    string Usage { get; }

    /// <summary>Runs the verb; returns the process exit code (0 ok, 1 failure, 2 bad usage).</summary>
    Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken);
}
