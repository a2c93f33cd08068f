using System.Text.Json;
using CoopAgent.Agent.Experiments;
using CoopAgent.Alignment.Training;
using CoopAgent.Server.Cli;

namespace CoopAgent.Server.Tests.Cli;

/// <summary>One <c>coopagent experiment uncertainty --quick --json</c> run through the CLI, shared by the tests below.</summary>
public sealed class UncertaintyRunFixture : IDisposable
{
    public UncertaintyRunFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "coopagent-experiment-" + Guid.NewGuid().ToString("N"));
        (Code, Output, Progress) = CliRunner.RunAsync("experiment", "uncertainty", "--quick", "--json", "--out", Folder).GetAwaiter().GetResult();
    }

    public string Folder { get; }

    public int Code { get; }

    public string Output { get; }

    public string Progress { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}

/// <summary>The uncertainty experiment end to end through the CLI (it writes to the console, so it runs alone).</summary>
[Collection(nameof(ConsoleUsers))]
public sealed class UncertaintyExperimentTests(UncertaintyRunFixture run) : IClassFixture<UncertaintyRunFixture>
{
    private static readonly string[] Fields =
        ["answerable_accuracy", "unanswerable_hallucination_rate", "unanswerable_idk_rate", "unanswerable_correct_rate",
         "unseen_wrong_mass", "pair_wrong_mass", "unanswerable_malformed_mass", "expected_reward"];

    [Fact]
    public void Json_has_every_field_for_sft_dpo_and_ppo()
    {
        Assert.Equal(0, run.Code);
        using var json = JsonDocument.Parse(run.Output);
        var algorithms = json.RootElement.GetProperty("algorithms");
        Assert.Equal(["sft", "dpo", "ppo"], algorithms.EnumerateObject().Select(a => a.Name));
        foreach (var algorithm in algorithms.EnumerateObject())
        {
            foreach (var field in Fields)
            {
                Assert.True(double.IsFinite(algorithm.Value.GetProperty(field).GetDouble()), $"{algorithm.Name}.{field}");
            }
        }

        Assert.Contains(json.RootElement.GetProperty("target_met").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Contains("uncertainty seed 1: ppo", run.Progress, StringComparison.Ordinal);
    }

    [Fact]
    public void Rates_are_probabilities_and_the_unanswerable_outcomes_add_up_to_one()
    {
        using var json = JsonDocument.Parse(run.Output);
        foreach (var algorithm in json.RootElement.GetProperty("algorithms").EnumerateObject())
        {
            double Get(string field) => algorithm.Value.GetProperty(field).GetDouble();
            foreach (var field in Fields.Where(f => f != "expected_reward"))
            {
                Assert.InRange(Get(field), -1e-6, 1 + 1e-6);
            }

            Assert.Equal(1.0, Get("unanswerable_hallucination_rate") + Get("unanswerable_idk_rate") + Get("unanswerable_correct_rate"), 1e-6);

            // Every non-"I don't know" response is one of the 8 items (pair or unseen) or malformed.
            Assert.Equal(Get("unanswerable_hallucination_rate") + Get("unanswerable_correct_rate"),
                Get("unseen_wrong_mass") + Get("pair_wrong_mass") + Get("unanswerable_malformed_mass"), 1e-4);
            Assert.InRange(Get("expected_reward"), UncertaintyExperiment.WrongReward, UncertaintyExperiment.CorrectReward);
        }
    }

    [Fact]
    public void A_seed_reproduces_its_figures()
    {
        using var json = JsonDocument.Parse(run.Output);
        var again = UncertaintyExperiment.RunSeed(quick: true, seed: 1);
        foreach (var row in again)
        {
            var recorded = json.RootElement.GetProperty("algorithms").GetProperty(row.Algorithm);
            Assert.Equal(recorded.GetProperty("answerable_accuracy").GetDouble(), row.AnswerableAccuracy, 1e-9);
            Assert.Equal(recorded.GetProperty("unseen_wrong_mass").GetDouble(), row.UnseenWrongMass, 1e-9);
        }
    }

    [Fact]
    public void Sft_data_answers_hidden_places_as_often_as_the_demonstrator_knew_and_pairs_reject_only_the_pair_set()
    {
        var hidden = UncertaintyExperiment.Demonstrations(2000, 5).Where(d => d.Prompt[3] == UncertaintyExperiment.Closed).ToList();
        var answered = hidden.Count(d => d.Response[0] != UncertaintyExperiment.DontKnow) / (double)hidden.Count;
        Assert.InRange(answered, UncertaintyExperiment.DemonstratorKnowsHidden - 0.05, UncertaintyExperiment.DemonstratorKnowsHidden + 0.05);

        var pairs = UncertaintyExperiment.Pairs(500, 5);
        var rejectedItems = pairs.Select(p => p.Rejected[0]).Where(t => t != UncertaintyExperiment.DontKnow).Distinct().ToList();
        Assert.All(rejectedItems, t => Assert.Contains(t, UncertaintyExperiment.PairWrongAnswers));
        Assert.All(pairs.Where(p => p.Prompt[3] == UncertaintyExperiment.Closed), p => Assert.Equal(UncertaintyExperiment.DontKnow, p.Chosen[0]));
        Assert.Equal("<bos> what is at cupboard closed", UncertaintyExperiment.Describe(UncertaintyExperiment.Prompt(3, null)));
    }
}

/// <summary>ppo-tricks and curriculum at --quick size, run once for all the tests of the class.</summary>
public sealed class ToyExperimentsFixture : IDisposable
{
    public ToyExperimentsFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "coopagent-experiment-" + Guid.NewGuid().ToString("N"));
        Tricks = ExperimentVerb.Run("ppo-tricks", new ExperimentSettings(Quick: true, Seeds: 2), Path.Combine(Folder, "tricks"));
        Curriculum = ExperimentVerb.Run("curriculum", new ExperimentSettings(Quick: true, Seeds: 1), Path.Combine(Folder, "curriculum"));
    }

    public string Folder { get; }

    public ExperimentReport Tricks { get; }

    public ExperimentReport Curriculum { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}

public sealed class ToyExperimentTests(ToyExperimentsFixture run) : IClassFixture<ToyExperimentsFixture>
{
    private static JsonElement Json(ExperimentReport report) => JsonSerializer.SerializeToElement(report.Json);

    [Fact]
    public void Ppo_tricks_gives_every_variant_the_same_samples_and_reports_gold_and_kl_with_spread()
    {
        var variants = Json(run.Tricks).GetProperty("variants");
        Assert.Equal(PpoTricksExperiment.Variants.Select(v => v.Name), variants.EnumerateObject().Select(v => v.Name));
        foreach (var variant in variants.EnumerateObject())
        {
            var v = variant.Value;
            Assert.Equal(128, v.GetProperty("iterations").GetInt32() * v.GetProperty("batch_size").GetInt32());
            Assert.InRange(v.GetProperty("gold").GetProperty("mean").GetDouble(), 0, 1);
            Assert.True(v.GetProperty("gold").GetProperty("spread").GetDouble() >= 0);
            Assert.True(double.IsFinite(v.GetProperty("kl").GetProperty("mean").GetDouble()));
        }

        Assert.Equal(PpoTricksExperiment.Variants.Count, run.Tricks.Table.Rows.Count);
        Assert.All(run.Tricks.Curves.Where(c => c.Plot == "ppo_tricks_gold"), c => Assert.Equal(128, c.X[^1]));
    }

    [Fact]
    public void Ppo_tricks_and_curriculum_write_curves_and_non_empty_plots()
    {
        foreach (var plot in new[] { "tricks/plots/ppo_tricks_gold.png", "tricks/plots/ppo_tricks_kl.png", "curriculum/plots/curriculum_gold.png" })
        {
            Assert.True(new FileInfo(Path.Combine(run.Folder, plot)).Length > 1000, plot);
        }

        Assert.NotEmpty(File.ReadAllLines(Path.Combine(run.Folder, "curriculum", "curves.jsonl")));
    }

    [Fact]
    public void Curriculum_reports_gold_per_iteration_for_both_arms()
    {
        var json = Json(run.Curriculum);
        var iterations = json.GetProperty("iterations").GetInt32();
        foreach (var arm in new[] { "curriculum", "uniform" })
        {
            var a = json.GetProperty("arms").GetProperty(arm);
            var gold = a.GetProperty("gold_by_iteration").EnumerateArray().Select(g => g.GetDouble()).ToList();
            Assert.Equal(iterations + 1, gold.Count);
            Assert.All(gold, g => Assert.InRange(g, 0, 1));
            Assert.Equal(gold[^1], a.GetProperty("gold_final").GetProperty("mean").GetDouble(), 1e-9);
            var reached = a.GetProperty("iterations_to_target")[0];
            Assert.Equal(CurriculumExperiment.FirstCrossing(gold, json.GetProperty("gold_target").GetDouble()), reached.ValueKind == JsonValueKind.Null ? null : reached.GetInt32());
        }

        // Both arms start from the same seeded policy.
        Assert.Equal(json.GetProperty("arms").GetProperty("curriculum").GetProperty("gold_before").GetDouble(),
            json.GetProperty("arms").GetProperty("uniform").GetProperty("gold_before").GetDouble());
    }
}

public class ExperimentPartsTests
{
    [Fact]
    public void First_crossing_is_the_first_index_at_or_above_the_target_or_null()
    {
        Assert.Equal(2, CurriculumExperiment.FirstCrossing([0.1, 0.2, 0.5, 0.7], 0.5));
        Assert.Equal(0, CurriculumExperiment.FirstCrossing([0.9], 0.5));
        Assert.Null(CurriculumExperiment.FirstCrossing([0.1, 0.2], 0.5));
    }

    [Fact]
    public void Seed_spread_is_the_mean_and_sample_standard_deviation()
    {
        var spread = SeedSpread.Of([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, spread.Mean, 12);
        Assert.Equal(1.0, spread.Spread, 12);
        Assert.Equal(0.0, SeedSpread.Of([4.0]).Spread);
        Assert.Throws<ArgumentException>(() => SeedSpread.Of([]));
        Assert.Equal("2.000 ± 1.000", spread.ToString());
    }

    [Fact]
    public void Uniform_prompts_are_seeded_cover_every_prompt_and_refuse_unknown_ids()
    {
        int[][] prompts = [[1, 3], [1, 4], [1, 5]];
        var a = new UniformPromptSource(prompts, 7).Draw(300).Select(d => d.Id).ToList();
        var b = new UniformPromptSource(prompts, 7).Draw(300).Select(d => d.Id).ToList();
        Assert.Equal(a, b);
        Assert.Equal([0, 1, 2], a.Distinct().Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => new UniformPromptSource(prompts, 7).Observe(3, 1.0));
        Assert.Throws<ArgumentException>(() => new UniformPromptSource([], 7));
    }

    [Fact]
    public void Curriculum_prompts_cover_every_target_and_length()
    {
        Assert.Equal(24, CurriculumExperiment.Prompts.Count);
        Assert.Equal(24, CurriculumExperiment.Prompts.Select(p => (p[1], p[2])).Distinct().Count());
    }

    [Fact]
    public void Format_aligns_the_columns_under_the_header()
    {
        var text = ExperimentVerb.Format(new ExperimentTable("T", ["a", "bbb"], [["long cell", "1"], ["x", "22"]]));
        var lines = text.Split(Environment.NewLine);
        Assert.Equal("T", lines[0]);
        Assert.Equal(lines[1].IndexOf("bbb", StringComparison.Ordinal), lines[3].IndexOf('1', StringComparison.Ordinal));
        Assert.Equal(lines[1].IndexOf("bbb", StringComparison.Ordinal), lines[4].IndexOf("22", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_experiment_missing_name_and_bad_seeds_are_usage_errors()
    {
        var verb = new ExperimentVerb();
        await Assert.ThrowsAsync<CliUsageException>(() => verb.RunAsync(new CliArgs(["nonsense"]), CancellationToken.None));
        await Assert.ThrowsAsync<CliUsageException>(() => verb.RunAsync(new CliArgs([]), CancellationToken.None));
        await Assert.ThrowsAsync<CliUsageException>(() => verb.RunAsync(new CliArgs(["curriculum", "--seeds", "0"]), CancellationToken.None));
        await Assert.ThrowsAsync<CliUsageException>(() => verb.RunAsync(new CliArgs(["curriculum", "--typo"]), CancellationToken.None));
        Assert.Throws<ArgumentException>(() => new ExperimentSettings(Seeds: 0).Validate());
    }

    [Fact]
    public void Advantage_normalisation_is_on_by_default_and_can_be_switched_off()
    {
        Assert.True(new PpoOptions().NormalizeAdvantages);
        Assert.False(PpoTricksExperiment.Variants.Single(v => v.Name == "no-adv-norm").Apply(new PpoOptions()).NormalizeAdvantages);
    }

    [Fact]
    public void Raw_advantages_change_the_policy_update_and_whitened_ones_have_a_near_zero_first_loss()
    {
        // In the first minibatch step the ratio is 1, so the clipped loss is −mean(advantage): about 0 when the
        // advantages are whitened over the batch, −mean(raw GAE) otherwise.
        PpoStats First(bool normalise) => PpoToyTask.Run(new PpoToyOptions(1,
            PpoToyTask.DefaultPpo(4) with { Epochs = 1, MiniBatchSize = 32, NormalizeAdvantages = normalise }, EvaluationSamples: 8, Seed: 4, Threads: 1)).History[0];
        var whitened = First(true);
        var raw = First(false);
        Assert.Equal(0.0, whitened.PolicyLoss, 1e-4);
        Assert.True(Math.Abs(raw.PolicyLoss) > 1e-3, $"raw loss {raw.PolicyLoss}");
        Assert.Equal(whitened.MeanScore, raw.MeanScore, 12);
    }
}

public class AlgorithmsExperimentTests
{
    [Fact]
    public async Task Every_policy_is_evaluated_alone_and_inside_the_full_agent_with_rates_in_range()
    {
        // The default policy stands in for trained ones: training is the pipeline's job (TrainVerbTests).
        var scenarios = CoopAgent.Agent.Scenarios.BuiltinScenarios.All().Take(1).ToList();
        var report = await AlgorithmsExperiment.RunAsync(new Dictionary<string, string?> { ["sft"] = null }, scenarios, seed: 1);
        var json = JsonSerializer.SerializeToElement(report.Json);
        var agents = json.GetProperty("algorithms").GetProperty("sft").GetProperty("agents");
        Assert.Equal(AlgorithmsExperiment.Agents, agents.EnumerateObject().Select(a => a.Name));
        foreach (var agent in agents.EnumerateObject())
        {
            Assert.InRange(agent.Value.GetProperty("success_rate").GetDouble(), 0, 1);
            Assert.InRange(agent.Value.GetProperty("catastrophe_rate").GetDouble(), 0, 1);
            Assert.True(agent.Value.GetProperty("questions_per_episode").GetDouble() >= 0);
            Assert.True(double.IsFinite(agent.Value.GetProperty("regret").GetDouble()));
            Assert.Equal(1, agent.Value.GetProperty("episodes").GetInt32());
        }

        Assert.Equal(2, report.Table.Rows.Count);
    }

    [Fact]
    public void Runs_must_name_known_algorithms_and_existing_folders()
    {
        var folder = Path.GetTempPath();
        Assert.Equal(Path.GetFullPath(folder), ExperimentVerb.ParseRuns($"ppo={folder}")["ppo"]);
        Assert.Throws<CliUsageException>(() => ExperimentVerb.ParseRuns($"rlhf={folder}"));
        Assert.Throws<CliUsageException>(() => ExperimentVerb.ParseRuns("sft=/no/such/folder/anywhere"));
        Assert.Throws<CliUsageException>(() => ExperimentVerb.ParseRuns("sft"));
        Assert.Throws<CliUsageException>(() => ExperimentVerb.ParseRuns(","));
        Assert.Throws<ArgumentException>(() => AlgorithmsExperiment.RunAsync(new Dictionary<string, string?>(), [], 1).GetAwaiter().GetResult());
    }
}

/// <summary>
/// The household variants at test size through the CLI: curriculum without --from (it trains a tiny run into --out/run
/// first), then ppo-tricks with --from that run. Shared by the tests below.
/// </summary>
public sealed class HouseholdExperimentsFixture : IDisposable
{
    public HouseholdExperimentsFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "coopagent-household-" + Guid.NewGuid().ToString("N"));
        Curriculum = CliRunner.RunAsync("experiment", "curriculum", "--env", "household", "--quick", "--seeds", "1", "--json",
            "--out", Path.Combine(Folder, "curriculum")).GetAwaiter().GetResult();
        Run = Path.Combine(Folder, "curriculum", "run");
        Tricks = CliRunner.RunAsync("experiment", "ppo-tricks", "--env", "household", "--from", Run, "--quick", "--seeds", "2", "--json",
            "--out", Path.Combine(Folder, "tricks")).GetAwaiter().GetResult();
    }

    public string Folder { get; }

    /// <summary>The tiny run the curriculum experiment trained.</summary>
    public string Run { get; }

    public (int Code, string Out, string Err) Curriculum { get; }

    public (int Code, string Out, string Err) Tricks { get; }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}

[Collection(nameof(ConsoleUsers))]
public sealed class HouseholdExperimentTests(HouseholdExperimentsFixture run) : IClassFixture<HouseholdExperimentsFixture>
{
    private static JsonElement Parse(string output) => JsonDocument.Parse(output).RootElement.Clone();

    [Fact]
    public void Ppo_tricks_runs_every_variant_on_the_household_at_equal_samples_with_gold_proxy_and_kl()
    {
        Assert.Equal(0, run.Tricks.Code);
        var json = Parse(run.Tricks.Out);
        Assert.Equal("household", json.GetProperty("task").GetString());
        Assert.Equal(Path.GetFullPath(run.Run), json.GetProperty("run").GetString());
        var samples = json.GetProperty("samples_per_run").GetInt32();
        var variants = json.GetProperty("variants");
        Assert.Equal(["baseline", "no-adv-norm", "small-batch", "large-batch", "ref-ema"], variants.EnumerateObject().Select(v => v.Name));
        var minibatches = new HashSet<int>();
        foreach (var variant in variants.EnumerateObject())
        {
            var v = variant.Value;
            Assert.Equal(samples, v.GetProperty("iterations").GetInt32() * v.GetProperty("batch_size").GetInt32());
            Assert.Equal(samples, v.GetProperty("samples").GetInt32());
            minibatches.Add(v.GetProperty("minibatch_size").GetInt32());
            foreach (var figure in new[] { "gold", "success", "proxy", "kl_to_sft" })
            {
                Assert.True(double.IsFinite(v.GetProperty(figure).GetProperty("mean").GetDouble()), $"{variant.Name}.{figure}");
                Assert.True(v.GetProperty(figure).GetProperty("spread").GetDouble() >= 0, $"{variant.Name}.{figure} spread");
            }

            Assert.InRange(v.GetProperty("success").GetProperty("mean").GetDouble(), 0, 1);
            Assert.InRange(v.GetProperty("rollout_success_last_third").GetProperty("mean").GetDouble(), 0, 1);
            Assert.Equal(v.GetProperty("iterations").GetInt32(), v.GetProperty("rollout_gold_by_iteration").GetArrayLength());
            Assert.Equal(2, v.GetProperty("seconds").GetArrayLength());
            Assert.Equal(json.GetProperty("start").GetProperty("gold").GetDouble(), v.GetProperty("gold_by_evaluation")[0].GetDouble(), 9);
            Assert.Equal(samples, v.GetProperty("eval_samples").EnumerateArray().Last().GetInt32());
        }

        // One minibatch size for every variant: equal samples also means equal gradient steps.
        Assert.Single(minibatches);
        Assert.Contains("ppo-tricks household ref-ema seed 2", run.Tricks.Err, StringComparison.Ordinal);
        foreach (var plot in new[] { "household_tricks_gold", "household_tricks_proxy", "household_tricks_rollout_gold", "household_tricks_kl" })
        {
            Assert.True(new FileInfo(Path.Combine(run.Folder, "tricks", "plots", plot + ".png")).Length > 1000, plot);
        }

        // The figures are kept beside the plots whichever form was printed.
        var kept = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Folder, "tricks", "report.json"))).RootElement;
        Assert.Equal(json.GetProperty("samples_per_run").GetInt32(), kept.GetProperty("samples_per_run").GetInt32());
        Assert.Contains("baseline", File.ReadAllText(Path.Combine(run.Folder, "tricks", "table.txt")), StringComparison.Ordinal);
    }

    [Fact]
    public void Curriculum_runs_every_arm_on_the_household_with_gold_after_every_iteration()
    {
        Assert.Equal(0, run.Curriculum.Code);
        var json = Parse(run.Curriculum.Out);
        Assert.Equal("household", json.GetProperty("task").GetString());
        var iterations = json.GetProperty("iterations").GetInt32();
        var batch = json.GetProperty("batch_size").GetInt32();
        var target = json.GetProperty("gold_target").GetDouble();
        var arms = json.GetProperty("arms");
        Assert.Equal(["uniform", "curriculum", "curriculum-mix", "kind-curriculum"], arms.EnumerateObject().Select(a => a.Name));
        foreach (var arm in arms.EnumerateObject())
        {
            var a = arm.Value;
            var gold = a.GetProperty("gold_by_evaluation").EnumerateArray().Select(g => g.GetDouble()).ToList();
            Assert.Equal(iterations + 1, gold.Count);
            Assert.Equal(Enumerable.Range(0, iterations + 1).Select(i => i * batch), a.GetProperty("eval_samples").EnumerateArray().Select(s => s.GetInt32()));
            Assert.Equal(gold[^1], a.GetProperty("gold").GetProperty("mean").GetDouble(), 9);
            Assert.Equal(json.GetProperty("start").GetProperty("gold").GetDouble(), gold[0], 9);
            var reached = a.GetProperty("iterations_to_target")[0];
            Assert.Equal(CurriculumExperiment.FirstCrossing(gold, target), reached.ValueKind == JsonValueKind.Null ? null : reached.GetInt32());
            Assert.InRange(a.GetProperty("distinct_prompts").GetProperty("mean").GetDouble(), 1, iterations * batch);
        }

        Assert.True(new FileInfo(Path.Combine(run.Folder, "curriculum", "plots", "household_curriculum_gold.png")).Length > 1000);
        Assert.True(File.Exists(Path.Combine(run.Run, "stages", "reward", "weights.bin")));
    }

    [Fact]
    public async Task A_missing_folder_a_folder_without_a_run_and_a_corrupt_checkpoint_fail_with_one_line_and_exit_1()
    {
        var scratch = Path.Combine(run.Folder, "scratch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        var missing = await CliRunner.RunAsync("experiment", "curriculum", "--env", "household", "--from", Path.Combine(scratch, "nothing"), "--quick");
        Assert.Equal(1, missing.Code);
        Assert.Contains("no run folder", missing.Err, StringComparison.Ordinal);

        var notARun = await CliRunner.RunAsync("experiment", "curriculum", "--env", "household", "--from", scratch, "--quick");
        Assert.Equal(1, notARun.Code);
        Assert.Contains("run.json", notARun.Err, StringComparison.Ordinal);

        // A copy of the run whose reward model's weights were damaged: the checkpoint's SHA-256 refuses it.
        var copy = Path.Combine(scratch, "copy");
        foreach (var file in Directory.EnumerateFiles(run.Run, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(run.Run, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var weights = Path.Combine(copy, "stages", "reward", "weights.bin");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);
        var corrupt = await CliRunner.RunAsync("experiment", "ppo-tricks", "--env", "household", "--from", copy, "--quick");
        Assert.Equal(1, corrupt.Code);
        Assert.Contains("weights.bin", corrupt.Err, StringComparison.Ordinal);
        Assert.Single(corrupt.Err.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_run_that_has_not_trained_its_reward_model_is_refused_with_the_stages_it_has()
    {
        var folder = Path.Combine(run.Folder, "sft-only-" + Guid.NewGuid().ToString("N"));
        new CoopAgent.Agent.Pipeline.RunState("tiny", "sft", 1, ["data", "tokenizer", "pretrain", "sft"]).Write(folder);
        var result = await CliRunner.RunAsync("experiment", "curriculum", "--env", "household", "--from", folder);
        Assert.Equal(1, result.Code);
        Assert.Contains("reward stage", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ppo-tricks", "--env", "garden")]
    [InlineData("curriculum", "--from", "/tmp")]
    [InlineData("uncertainty", "--env", "household")]
    [InlineData("algorithms", "--env", "household")]
    [InlineData("ppo-tricks", "--actor-lr", "1e-4")]
    [InlineData("curriculum", "--env", "household", "--actor-lr", "-1")]
    public async Task Bad_env_and_from_combinations_are_usage_errors(params string[] words)
    {
        var result = await CliRunner.RunAsync(["experiment", .. words, "--quick"]);
        Assert.Equal(2, result.Code);
        Assert.Contains("usage: coopagent experiment", result.Err, StringComparison.Ordinal);
    }
}
