using System.Text.Json;
using CoopAgent.Server.Cli;

namespace CoopAgent.Server.Tests.Cli;

[CollectionDefinition(nameof(ConsoleUsers), DisableParallelization = true)]
public sealed class ConsoleUsers;

/// <summary>The eval and simulate verbs end to end; they write to the console, so these tests run alone.</summary>
[Collection(nameof(ConsoleUsers))]
public class EvalVerbTests
{
    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliRunner.RunAsync(args);

    [Fact]
    public async Task Eval_json_prints_one_object_with_every_metric_and_per_scenario_rows()
    {
        var (code, output, _) = await RunAsync("eval", "--scenarios", "builtin", "--agent", "literal", "--json", "--per-scenario", "--seed", "1");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        foreach (var field in new[]
                 {
                     "agent", "scenarios", "success_rate", "catastrophe_rate", "questions_per_episode", "unnecessary_question_rate",
                     "missed_question_rate", "regret", "mean_steps", "per_scenario", "by_category",
                 })
        {
            Assert.True(root.TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal("literal", root.GetProperty("agent").GetString());
        Assert.Equal(root.GetProperty("scenarios").GetInt32(), root.GetProperty("per_scenario").GetArrayLength());
        Assert.True(root.GetProperty("per_scenario")[0].TryGetProperty("oracle_utility", out _));
    }

    [Fact]
    public async Task Eval_on_generated_households_evaluates_as_many_as_asked_and_the_same_ones_each_time()
    {
        var (code, output, _) = await RunAsync("eval", "--scenarios", "generated:3", "--agent", "literal", "--json", "--per-scenario");
        var (_, again, _) = await RunAsync("eval", "--scenarios", "generated:3", "--agent", "literal", "--json", "--per-scenario");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(3, json.RootElement.GetProperty("scenarios").GetInt32());
        Assert.All(json.RootElement.GetProperty("per_scenario").EnumerateArray(), r => Assert.StartsWith("gen-", r.GetProperty("scenario").GetString(), StringComparison.Ordinal));
        Assert.Equal(output, again);
    }

    [Fact]
    public async Task Simulate_prints_the_transcript()
    {
        var (code, output, _) = await RunAsync("simulate", "--scenario", "canonical-cat", "--agent", "literal");
        Assert.Equal(0, code);
        Assert.Contains("observation:", output);
        Assert.Contains("robot: cook misty", output);
        Assert.Contains("catastrophe: YES", output);
        Assert.Contains("utility under θ:", output);
    }

    [Fact]
    public async Task Simulate_gives_the_reason_of_every_decision_not_only_the_first()
    {
        // In the yogurt household the robot looks in the fridge, then in the garage: two decisions, two reasons.
        var (code, output, _) = await RunAsync("simulate", "--scenario", "hidden-yogurt-in-garage", "--agent", "full");
        Assert.Equal(0, code);
        Assert.True(output.Split('\n').Count(l => l.TrimStart().StartsWith("why:", StringComparison.Ordinal)) >= 2, output);
    }

    [Fact]
    public async Task Simulate_with_candidates_shows_the_policy_samples_each_decision_weighed()
    {
        var (code, output, _) = await RunAsync("simulate", "--scenario", "control-bring-the-remote", "--agent", "full", "--samples", "3", "--candidates");
        Assert.Equal(0, code);
        var header = output.Split('\n').First(l => l.Contains("policy samples", StringComparison.Ordinal));
        Assert.Contains("(3)", header);
    }

    [Fact]
    public async Task Eval_runs_the_policy_in_bf16_when_asked()
    {
        var (code, output, _) = await RunAsync("eval", "--scenarios", "generated:2", "--agent", "full", "--precision", "bf16", "--json");
        Assert.Equal(0, code);
        using var report = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal(2, report.RootElement.GetProperty("scenarios").GetInt32());
    }

    [Theory]
    [InlineData("eval", "--agent", "no-such-agent")]
    [InlineData("eval", "--agent", "oracle", "--scenarios", "/no/such/folder")]
    [InlineData("eval")]
    [InlineData("eval", "--agent", "oracle", "--scenarios", "generated:0")]
    [InlineData("eval", "--agent", "full", "--epsilon", "0.1")]
    [InlineData("eval", "--agent", "conformal", "--epsilon", "1")]
    [InlineData("eval", "--agent", "oracle", "--scenarios", "generated:lots")]
    [InlineData("simulate", "--scenario", "no-such-scenario", "--agent", "oracle")]
    [InlineData("eval", "--agent", "full", "--samples", "0")]
    [InlineData("eval", "--agent", "full", "--temperature", "0")]
    [InlineData("eval", "--agent", "full", "--precision", "half")]
    [InlineData("simulate", "--scenario", "canonical-cat", "--agent", "full", "--samples", "many")]
    public async Task Unknown_agents_and_scenarios_and_bad_sampling_are_usage_errors(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains("usage: coopagent", error);
    }
}
