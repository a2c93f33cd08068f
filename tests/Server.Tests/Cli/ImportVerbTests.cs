using System.Runtime.CompilerServices;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Server.Cli;

namespace CoopAgent.Server.Tests.Cli;

/// <summary><c>coopagent import knowno FILE --out DIR</c>; writes to the console, so it runs with the other console users.</summary>
[Collection(nameof(ConsoleUsers))]
public class ImportVerbTests
{
    private static string Sample([CallerFilePath] string file = "") =>
        Path.Combine(Path.GetDirectoryName(file)!, "..", "..", "Agent.Tests", "Scenarios", "knowno-sample.txt");

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] words) =>
        CliRunner.CaptureAsync(() => new ImportVerb().RunAsync(new CliArgs(words, new HashSet<string> { "json" }), CancellationToken.None));

    [Fact]
    public async Task Import_knowno_writes_scenario_files_that_load_back()
    {
        var folder = Path.Combine(Path.GetTempPath(), "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, _) = await RunAsync("knowno", Sample(), "--out", folder);
            Assert.Equal(0, code);
            Assert.Contains("imported 3 scenario(s)", output);
            var loaded = ScenarioLoader.LoadDirectory(folder);
            Assert.Equal(["knowno-1", "knowno-2", "knowno-3"], loaded.Select(s => s.Id));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task A_malformed_file_fails_with_the_record_and_line_and_bad_usage_is_refused()
    {
        var bad = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(bad, "7\nScene: a cup\nTask: wash the cup\n");
            var (code, _, error) = await RunAsync("knowno", bad, "--out", Path.GetTempPath());
            Assert.Equal(1, code);
            Assert.Contains("record 7 (line 1): missing", error);
        }
        finally
        {
            File.Delete(bad);
        }

        await Assert.ThrowsAsync<CliUsageException>(() => RunAsync("csv", Sample(), "--out", "x"));
        await Assert.ThrowsAsync<CliUsageException>(() => RunAsync("knowno", Sample()));
    }
}
