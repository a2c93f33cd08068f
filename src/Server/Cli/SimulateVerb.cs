using System.Globalization;
using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Server.Cli;

/// <summary><c>coopagent simulate</c>: runs one episode and prints its transcript.</summary>
public sealed class SimulateVerb : ICliVerb
{
    public string Name => "simulate";

    public string Usage => "--scenario FILE|ID --agent NAME [--policy DIR] [--seed N] [--rationality B] [--samples K] [--temperature T] [--free-text] [--candidates]   print one episode's transcript";

    public async Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var scenarioName = args.Required("scenario");
        var agentName = args.Required("agent");
        var seed = args.GetInt("seed", 0);
        var rationality = args.GetDouble("rationality", new HumanOptions().Rationality);
        var policy = args.Get("policy");
        var sampling = EvalVerb.ReadSampling(args);
        var candidates = args.Flag("candidates");
        args.RejectUnknown();

        var agent = EvalVerb.CreateAgent(agentName, new AgentContext(policy, seed, sampling.Samples, sampling.Temperature, sampling.FreeText));
        var scenario = LoadScenario(scenarioName);
        var result = await EpisodeRunner.RunAsync(agent, scenario, seed, new HumanOptions(rationality), cancellationToken: cancellationToken);
        Console.Write(Transcript.Format(result, candidates));
        return 0;
    }

    private static Scenario LoadScenario(string name)
    {
        try
        {
            return File.Exists(name) ? ScenarioLoader.Load(name) : BuiltinScenarios.Get(name);
        }
        catch (ScenarioException e)
        {
            throw new CliUsageException($"--scenario {name}: {e.Message}");
        }
        catch (KeyNotFoundException)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"--scenario {name}: no such file and no built-in scenario with that id; built-in ids: {string.Join(", ", BuiltinScenarios.All().Select(s => s.Id))}"));
        }
    }
}
