using System.Text.Json;

namespace CoopAgent.Server.Tests.Cli;

/// <summary>The chat bench end to end (quick: 10 s of load); it writes to the console, so it runs alone.</summary>
[Collection(nameof(ConsoleUsers))]
public class BenchVerbTests
{
    [Fact]
    public async Task Bench_chat_puts_50_clients_on_the_server_and_reports_every_load_figure_without_errors()
    {
        var (code, output, error) = await CliRunner.RunAsync("bench", "--only", "chat", "--quick", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var figures = json.RootElement;
        foreach (var field in new[]
                 {
                     "chat_first_token_ms_p50", "chat_first_token_ms_p99", "load_clients", "load_turns", "load_first_token_ms_p99",
                     "load_first_token_ms_p50_after_first_turn", "load_first_token_ms_p99_after_first_turn", "load_errors",
                     "load_policy_calls_per_s", "load_rows_per_step", "load_decoded_rows_per_step", "load_rss_mb_after",
                 })
        {
            Assert.True(figures.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal(50, figures.GetProperty("load_clients").GetDouble());
        Assert.Equal(0, figures.GetProperty("load_errors").GetDouble());
        Assert.True(figures.GetProperty("load_turns").GetDouble() >= 50, "every client should have finished a turn");
        // Samples that drew the same tokens share a row: never more rows decoded than samples drawn.
        Assert.InRange(figures.GetProperty("load_decoded_rows_per_step").GetDouble(), 1, figures.GetProperty("load_rows_per_step").GetDouble());
        Assert.True(figures.GetProperty("load_first_token_ms_p99").GetDouble() >= figures.GetProperty("load_first_token_ms_p50_after_first_turn").GetDouble());
    }

    [Fact]
    public async Task Bench_generation_times_the_batch_in_fp32_and_in_bf16_where_the_cpu_has_it()
    {
        var (code, output, error) = await CliRunner.RunAsync("bench", "--only", "generation", "--quick", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var figures = json.RootElement;
        Assert.True(figures.GetProperty("gen_batch_step_ms").GetDouble() > 0);
        Assert.Equal(Alignment.Models.InferencePrecisions.CpuHasFastBFloat16, figures.TryGetProperty("gen_batch_step_ms_bf16", out var bf16));
        if (Alignment.Models.InferencePrecisions.CpuHasFastBFloat16)
        {
            Assert.True(bf16.GetDouble() > 0);
            Assert.True(figures.GetProperty("gen_batch_rows_per_s_bf16").GetDouble() > 0);
        }
    }
}
