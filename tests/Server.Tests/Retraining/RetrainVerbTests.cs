using System.Security.Cryptography;
using System.Text.Json;
using CoopAgent.Server.Retraining;
using CoopAgent.Server.Tests.Cli;

namespace CoopAgent.Server.Tests.Retraining;

/// <summary>The retrain verb end to end; it writes to the console, so these tests run with the other verb tests, alone.</summary>
[Collection(nameof(ConsoleUsers))]
public sealed class RetrainVerbTests : IClassFixture<FeedbackLogFixture>
{
    private readonly FeedbackLogFixture _log;

    public RetrainVerbTests(FeedbackLogFixture log) => _log = log;

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => Cli.CliRunner.RunAsync(args);

    [Fact]
    public async Task Retrain_json_prints_the_counts_writes_the_export_and_leaves_the_database_untouched()
    {
        var before = SHA256.HashData(await File.ReadAllBytesAsync(_log.DatabaseFile));
        var export = Path.Combine(Path.GetTempPath(), $"coop-pairs-{Guid.NewGuid():N}.jsonl");
        try
        {
            var (code, output, _) = await RunAsync("retrain", "--db", _log.DatabaseFile, "--export", export, "--data-only", "--json");
            Assert.Equal(0, code);
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            Assert.Equal(8, root.GetProperty("pairs").GetInt32());
            Assert.Equal(3, root.GetProperty("pairs_by_kind").GetProperty("ranking").GetInt32());
            Assert.Equal(1, root.GetProperty("pairs_by_kind").GetProperty("correction").GetInt32());
            Assert.Equal(1, root.GetProperty("demonstrations").GetInt32());
            Assert.Equal(2, root.GetProperty("duplicates_dropped").GetInt32());
            Assert.InRange(root.GetProperty("held_out_pairs").GetInt32(), 0, 8);
            Assert.False(root.TryGetProperty("promoted", out _));
            Assert.Equal(8, PairExport.Read(export).Count);
            Assert.Equal(before, SHA256.HashData(await File.ReadAllBytesAsync(_log.DatabaseFile)));
        }
        finally
        {
            File.Delete(export);
        }
    }

    [Fact]
    public async Task Retrain_data_only_prints_the_counts_since_a_time_and_trains_nothing()
    {
        var (code, output, _) = await RunAsync("retrain", "--db", _log.DatabaseFile, "--since", _log.Cut.ToString("O"), "--data-only");
        Assert.Equal(0, code);
        Assert.Contains("feedback read: 2", output, StringComparison.Ordinal);
        Assert.Contains("comparison 2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("promoted", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrain_on_a_missing_file_fails_clearly_and_creates_nothing()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"coop-missing-{Guid.NewGuid():N}.db");
        var (code, _, error) = await RunAsync("retrain", "--db", missing);
        Assert.Equal(1, code);
        Assert.Contains("no such database file", error, StringComparison.Ordinal);
        Assert.False(File.Exists(missing));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2000)]
    public async Task Retrain_on_a_file_that_is_not_a_feedback_database_fails_clearly_and_leaves_it_alone(int repeats)
    {
        var file = Path.Combine(Path.GetTempPath(), $"coop-notdb-{Guid.NewGuid():N}.db");
        var text = string.Concat(Enumerable.Repeat("just some text, not LiteDB. ", repeats));
        try
        {
            await File.WriteAllTextAsync(file, text);
            var (code, _, error) = await RunAsync("retrain", "--db", file);
            Assert.Equal(1, code);
            Assert.Contains("not a CoopAgent feedback database", error, StringComparison.Ordinal);
            Assert.Equal(text, await File.ReadAllTextAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Retrain_on_a_litedb_file_of_another_program_fails_clearly()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"coop-otherdb-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "other.db");
        try
        {
            using (var other = new LiteDB.LiteDatabase(file))
            {
                other.GetCollection("notes").Insert(new LiteDB.BsonDocument { ["text"] = "hello" });
            }

            var (code, _, error) = await RunAsync("retrain", "--db", file);
            Assert.Equal(1, code);
            Assert.Contains("not a CoopAgent feedback database (no users or turns)", error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Retrain_rejects_a_since_that_is_not_a_time()
    {
        var (code, _, error) = await RunAsync("retrain", "--db", _log.DatabaseFile, "--since", "yesterdayish");
        Assert.Equal(2, code);
        Assert.Contains("--since", error, StringComparison.Ordinal);
    }
}
