using System.Globalization;
using System.Text.Json;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Models;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent eval</c>: runs an agent over a scenario set with simulated people and prints the metrics.</summary>
public sealed class EvalVerb : ICliVerb
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Name => "eval";

    public string Usage =>
        "[--policy DIR] [--scenarios builtin|generated[:N]|DIR] --agent NAME [--seed N] [--episodes N] [--rationality B] [--samples K] [--temperature T] [--free-text] [--epsilon E] [--precision fp32|bf16|auto] [--json] [--per-scenario]   evaluate an agent";

    public async Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var agentName = args.Required("agent");
        var scenarioSource = args.Get("scenarios", "builtin");
        var seed = args.GetInt("seed", 0);
        var episodes = args.GetInt("episodes", 1);
        var rationality = args.GetDouble("rationality", new HumanOptions().Rationality);
        var policy = args.Get("policy");
        var json = args.Flag("json");
        var perScenario = args.Flag("per-scenario");
        var sampling = ReadSampling(args);
        double? epsilon = args.Get("epsilon") is null ? null : args.GetDouble("epsilon", 0);
        // The policy computes as serve's would with the same --precision; 32-bit unless asked.
        var precision = Precision(args, "fp32");
        args.RejectUnknown();
        if (episodes < 1)
        {
            throw new CliUsageException("--episodes must be at least 1.");
        }

        if (epsilon is not null && (agentName != "conformal" || epsilon is <= 0 or >= 1))
        {
            throw new CliUsageException("--epsilon is the conformal agent's miscoverage, between 0 and 1 (exclusive).");
        }

        var agent = CreateAgent(agentName, new AgentContext(policy, seed, sampling.Samples, sampling.Temperature, sampling.FreeText, epsilon, precision));
        var scenarios = LoadScenarios(scenarioSource);
        // Progress goes to stderr so that stdout stays one JSON object with --json.
        var report = await Evaluator.EvaluateAsync(
            agent, scenarios, new EvaluationOptions(seed, episodes, new HumanOptions(rationality)),
            row => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[eval] {row.Scenario}: {(row.Success ? "success" : "no success")}{(row.Catastrophe ? ", CATASTROPHE" : "")}, {row.Questions} question(s), regret {row.Regret:0.##}")),
            cancellationToken);

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(ToJson(report, perScenario), Json));
            return 0;
        }

        var figures = ToJson(report, perScenario: false);
        figures.Remove("by_category");
        foreach (var (key, value) in figures)
        {
            Console.WriteLine($"{key,-28} {Format(value)}");
        }

        Console.WriteLine();
        Console.WriteLine($"{"category",-12} {"episodes",8} {"success",8} {"catastr.",8} {"questions",9} {"regret",8}");
        foreach (var (category, c) in report.ByCategory)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{category,-12} {c.Episodes,8} {c.SuccessRate,8:0.###} {c.CatastropheRate,8:0.###} {c.QuestionsPerEpisode,9:0.##} {c.Regret,8:0.##}"));
        }

        if (perScenario)
        {
            Console.WriteLine();
            Console.WriteLine($"{"scenario",-32} {"truth",-20} {"ok",-3} {"cat",-3} {"q",2} {"steps",5} {"utility",9} {"oracle",9} {"regret",8}  end");
            foreach (var r in report.PerScenario)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Scenario,-32} {r.Truth,-20} {(r.Success ? "y" : "n"),-3} {(r.Catastrophe ? "Y" : "-"),-3} {r.Questions,2} {r.Steps,5} {r.Utility,9:0.##} {r.OracleUtility,9:0.##} {r.Regret,8:0.##}  {r.EndReason}"));
            }
        }

        return 0;
    }

    /// <summary><c>--samples K</c> (1–256), <c>--temperature T</c> (0.05–5) and <c>--free-text</c> (no plan grammar) for
    /// the policy-backed agents; null where not given. Out of range is a usage error.</summary>
    internal static (int? Samples, float? Temperature, bool FreeText) ReadSampling(CliArgs args)
    {
        int? samples = args.Get("samples") is null ? null : args.GetInt("samples", 0);
        double? temperature = args.Get("temperature") is null ? null : args.GetDouble("temperature", 0);
        if (samples is < 1 or > 256)
        {
            throw new CliUsageException("--samples must be between 1 and 256.");
        }

        if (temperature is < 0.05 or > 5)
        {
            throw new CliUsageException("--temperature must be between 0.05 and 5.");
        }

        return (samples, (float?)temperature, args.Flag("free-text"));
    }

    /// <summary>The agent by catalog name; an unknown name is a usage error listing the known ones.</summary>
    /// <summary><c>--precision fp32|bf16|auto</c> (default <paramref name="fallback"/>), as the policy will compute.</summary>
    internal static InferencePrecision Precision(CliArgs args, string fallback)
    {
        try
        {
            return InferencePrecisions.Resolve(args.Get("precision", fallback), TorchSharp.torch.CPU);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--precision: {e.Message}");
        }
    }

    internal static IHouseholdAgent CreateAgent(string name, AgentContext context)
    {
        try
        {
            return AgentCatalog.Create(name, context);
        }
        catch (KeyNotFoundException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    /// <summary>Where held-out generated households start: far from the seeds training draws its homes from.</summary>
    private const int HeldOutHomes = 1_900_000_000;

    /// <summary><c>builtin</c>; <c>generated[:N]</c>, N households (48 by default) from the generator training uses but
    /// not among its homes; or a folder of scenario JSON files. A missing folder or invalid file is a usage error.</summary>
    internal static IReadOnlyList<Scenario> LoadScenarios(string source)
    {
        if (source == "generated" || source.StartsWith("generated:", StringComparison.Ordinal))
        {
            var count = source == "generated" ? 48
                : int.TryParse(source["generated:".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10_000 ? n
                : throw new CliUsageException($"--scenarios {source}: write generated:N with N from 1 to 10000");
            return Enumerable.Range(0, count).Select(i => Agent.Data.HomeGenerator.Generate(HeldOutHomes + i)).ToList();
        }

        try
        {
            var scenarios = source == "builtin" ? BuiltinScenarios.All() : ScenarioLoader.LoadDirectory(source);
            return scenarios.Count > 0 ? scenarios : throw new CliUsageException($"no scenario files (*.json) in '{source}'");
        }
        catch (ScenarioException e)
        {
            throw new CliUsageException($"--scenarios {source}: {e.Message}");
        }
    }

    private static SortedDictionary<string, object> ToJson(EvaluationReport report, bool perScenario)
    {
        var figures = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["agent"] = report.Agent,
            ["scenarios"] = report.Scenarios,
            ["episodes"] = report.Episodes,
            ["success_rate"] = report.SuccessRate,
            ["catastrophe_rate"] = report.CatastropheRate,
            ["questions_per_episode"] = report.QuestionsPerEpisode,
            ["unnecessary_question_rate"] = report.UnnecessaryQuestionRate,
            ["missed_question_rate"] = report.MissedQuestionRate,
            ["regret"] = report.Regret,
            ["mean_steps"] = report.MeanSteps,
            ["question_needed_scenarios"] = report.QuestionNeededScenarios,
            ["by_category"] = report.ByCategory,
        };
        if (perScenario)
        {
            figures["per_scenario"] = report.PerScenario;
        }

        return figures;
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
