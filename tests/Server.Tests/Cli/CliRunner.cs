using CoopAgent.Server.Cli;

namespace CoopAgent.Server.Tests.Cli;

/// <summary>Runs the coopagent command in-process with the console captured. Tests that use it swap the
/// process-wide console, so they belong to the <see cref="ConsoleUsers"/> collection (run alone).</summary>
internal static class CliRunner
{
    public static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) =>
        CaptureAsync(() => CliApp.RunAsync(args));

    /// <summary>Runs <paramref name="run"/> with stdout and stderr captured; returns its exit code and both texts.</summary>
    public static async Task<(int Code, string Out, string Err)> CaptureAsync(Func<Task<int>> run)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await run();
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
