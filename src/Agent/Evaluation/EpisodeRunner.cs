using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Evaluation;

/// <summary>One step of an episode as it happened.</summary>
/// <param name="Step">0-based.</param>
/// <param name="Turn">What the agent returned.</param>
/// <param name="Result">What the simulator did with the action.</param>
/// <param name="Answer">The person's answer when the action was a question.</param>
public sealed record EpisodeStep(int Step, AgentTurn Turn, StepResult Result, HumanAnswer? Answer);

/// <summary>A whole episode: the start, every step, the end state and the verdict under the true θ.</summary>
public sealed record EpisodeResult(
    string ScenarioId,
    string Agent,
    int Seed,
    ScenarioHypothesis Truth,
    string Instruction,
    string InitialObservation,
    IReadOnlyList<EpisodeStep> Steps,
    IReadOnlyList<DialogueTurn> Dialogue,
    World End,
    ScenarioVerdict Verdict,
    string EndReason)
{
    public int QuestionsAsked => End.Outcome.QuestionsAsked;
}

/// <summary>
/// Runs one agent on one scenario with a simulated person: draws the true θ from the scenario's hypotheses
/// with the seed, shows the agent its observation each step, executes its action, routes <c>ask</c> to the
/// person and appends the answer to the dialogue, and stops at <c>done</c>, at the step limit or at a
/// catastrophe. The outcome is judged under the true θ. Deterministic for a given seed (and agent).
/// </summary>
public static class EpisodeRunner
{
    /// <param name="agent">The agent to run.</param>
    /// <param name="scenario">The task.</param>
    /// <param name="seed">Draws the true θ and seeds the person's noise and the agent.</param>
    /// <param name="human">How the person answers; defaults to <see cref="HumanOptions"/>.</param>
    /// <param name="truth">The true θ, instead of drawing it (tests, per-hypothesis evaluation).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public static async Task<EpisodeResult> RunAsync(
        IHouseholdAgent agent, Scenario scenario, int seed, HumanOptions? human = null, ScenarioHypothesis? truth = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(scenario);
        truth ??= scenario.DrawHypothesis(seed);
        var person = SimulatedHuman.For(scenario, truth, human ?? new HumanOptions(), unchecked((seed * 7919) + 17));
        var world = scenario.CreateWorld();
        var start = new EpisodeStart(
            scenario.Id, scenario.Instruction, scenario.Principal, scenario.Hypotheses, scenario.StepLimit,
            scenario.QuestionCost, unchecked((seed * 104_729) + 3), scenario.Judge);
        var episode = agent is IOmniscientAgent oracle ? oracle.BeginEpisode(start, world.Clone(), truth) : agent.BeginEpisode(start);

        var dialogue = new List<DialogueTurn> { new(Speaker.User, scenario.Instruction) };
        var steps = new List<EpisodeStep>();
        var initial = world.Describe();
        StepResult? last = null;
        var reason = "step limit";
        for (var step = 0; step < scenario.StepLimit; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var observation = new Observation(step, scenario.Instruction, world.Describe(), RobotView.Of(world), dialogue.ToList(), last);
            var turn = await episode.NextAsync(observation, cancellationToken);
            var result = Simulator.Execute(world, turn.Action ?? "");
            HumanAnswer? answer = null;
            if (result.Ok && result.Action!.Verb is Verb.Ask or Verb.Say)
            {
                dialogue.Add(new DialogueTurn(Speaker.Assistant, result.Action.ToString()));
            }

            if (result.IsQuestion)
            {
                answer = person.Answer(world, result.Action!.Text, turn.Options, scenario.StepLimit - step - 1);
                dialogue.Add(new DialogueTurn(Speaker.User, answer.Text, answer.Choice));
            }

            steps.Add(new EpisodeStep(step, turn, result, answer));
            last = result;
            if (result.IsDone)
            {
                reason = "done";
                break;
            }

            if (scenario.Catastrophe.Any(c => c.Holds(world)))
            {
                reason = "catastrophe";
                break;
            }
        }

        Simulator.EndEpisode(world);
        var verdict = scenario.Judge(world, truth);
        return new EpisodeResult(scenario.Id, agent.Name, seed, truth, scenario.Instruction, initial, steps, dialogue, world, verdict, reason);
    }
}
