using System.Text;
using CoopAgent.Agent.Household;
using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Planning;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Data;

/// <summary>
/// Training data from generated homes (<see cref="HomeGenerator"/>), deterministic from a seed, any size:
/// a pretraining corpus, SFT demonstrations, K-way preference rankings by simulated people, PPO prompts
/// with their gold-reward context. Plain strings only: the Alignment side tokenizes.
/// </summary>
public static class DataGenerator
{
    /// <summary>The generated scenario behind the i-th record of a set made with <paramref name="seed"/>.</summary>
    public static Scenario ScenarioFor(int seed, int index) => HomeGenerator.Generate(unchecked((seed * 100_003) + index));

    /// <summary>Home descriptions, dialogues and action traces, cycling through those three kinds.</summary>
    public static IReadOnlyList<CorpusDocument> Corpus(int count, int seed)
    {
        var documents = new List<CorpusDocument>(count);
        for (var i = 0; documents.Count < count; i++)
        {
            var scenario = ScenarioFor(seed, i);
            var world = scenario.CreateWorld();
            var truth = scenario.DrawHypothesis(i);
            switch (i % 3)
            {
                case 0:
                    documents.Add(new CorpusDocument("home", world.Describe()));
                    break;
                case 1:
                    // Dialogues and traces open with the home they happen in: every name a plan uses is in its context,
                    // as at run time, so pretraining teaches copying from the home rather than inventing names.
                    var (first, kind) = Demonstrator.FirstTurn(scenario);
                    var dialogue = new StringBuilder(world.Describe()).Append("\nuser: ").Append(scenario.Instruction).Append("\nassistant: ").Append(first);
                    if (kind == "question")
                    {
                        var answer = Person(scenario, truth, i).Answer(world, Unquote(first)).Text;
                        dialogue.Append("\nuser: ").Append(answer).Append("\nassistant: ").Append(OraclePlanner.Plan(world, scenario.Judge, truth, scenario.StepLimit).Plan.Text);
                    }

                    documents.Add(new CorpusDocument("dialogue", dialogue.ToString()));
                    break;
                default:
                    var trace = new StringBuilder(world.Describe()).Append('\n');
                    foreach (var action in OraclePlanner.Plan(world, scenario.Judge, truth, scenario.StepLimit).Plan.Actions)
                    {
                        var result = Simulator.Execute(world, action);
                        trace.Append("> ").Append(action).Append('\n').Append(result.Message).Append('\n');
                    }

                    documents.Add(new CorpusDocument("trace", trace.ToString().TrimEnd()));
                    break;
            }
        }

        return documents;
    }

    /// <summary>
    /// Demonstrations of the next turn: the first turn (a question when asking is right, else a plan), the
    /// plan after the person's answer, and replies to questions about the home ("I don't know." when the robot
    /// cannot see inside).
    /// </summary>
    public static IReadOnlyList<SftExample> Sft(int count, int seed)
    {
        var examples = new List<SftExample>(count);
        for (var i = 0; examples.Count < count; i++)
        {
            var scenario = ScenarioFor(seed, i);
            var world = scenario.CreateWorld();
            var observation = world.Describe();
            if (i % 4 == 3 && Demonstrator.FactTurn(world, new Random(i)) is { } fact)
            {
                examples.Add(new SftExample(new PolicyPrompt(observation, fact.Question, []), fact.Reply, "reply", scenario.Id));
                continue;
            }

            var (first, kind) = Demonstrator.FirstTurn(scenario);
            examples.Add(new SftExample(new PolicyPrompt(observation, scenario.Instruction, []), first, kind, scenario.Id));
            if (kind == "question" && examples.Count < count)
            {
                var truth = scenario.DrawHypothesis(i);
                var answer = AskAndAnswer(scenario, truth, world, first, i);
                var plan = Demonstrator.AfterAnswer(scenario, truth, world, scenario.StepLimit - 1);
                examples.Add(new SftExample(new PolicyPrompt(world.Describe(), scenario.Instruction, [first, answer]), plan, "plan", scenario.Id));
            }
        }

        return examples;
    }

    /// <summary>
    /// K candidate first turns per prompt — the demonstrator's, each hypothesis's best plan, the literal
    /// follower's, a question, doing nothing, random other plans — ranked by a simulated person with the
    /// true θ (ties kept).
    /// </summary>
    public static IReadOnlyList<PreferenceExample> Preferences(int count, int k, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        var examples = new List<PreferenceExample>(count);
        for (var i = 0; examples.Count < count; i++)
        {
            var scenario = ScenarioFor(seed, i);
            var world = scenario.CreateWorld();
            var random = new Random(unchecked((seed * 31) + i));
            var plans = PlanEnumerator.Enumerate(world);
            var candidates = new List<string> { Demonstrator.FirstTurn(scenario).Response };
            candidates.AddRange(scenario.Hypotheses.Select(h => OraclePlanner.Best(OraclePlanner.Score(plans, scenario.Judge, h, scenario.StepLimit)).Plan.Text));
            if (LiteralFollower.Choose(Evaluation.RobotView.Of(world), scenario.Instruction, scenario.Principal) is { } literal)
            {
                candidates.Add(literal.Text);
            }

            candidates.Add(Demonstrator.Question(scenario, plans));
            candidates.Add("done");
            candidates = candidates.Distinct(StringComparer.Ordinal).ToList();
            while (candidates.Count < k && candidates.Count < plans.Count + 2)
            {
                var extra = plans[random.Next(plans.Count)].Plan.Text;
                if (!candidates.Contains(extra))
                {
                    candidates.Add(extra);
                }
            }

            var chosen = candidates.OrderBy(_ => random.Next()).Take(k).ToList();
            var truth = scenario.DrawHypothesis(i);
            var ranks = Person(scenario, truth, i).Rank(world, chosen, scenario.StepLimit);
            examples.Add(new PreferenceExample(new PolicyPrompt(world.Describe(), scenario.Instruction, []), chosen, ranks, scenario.Id));
        }

        return examples;
    }

    /// <summary>PPO prompts: first turns, and every other one after a question and its answer.</summary>
    public static IReadOnlyList<PpoPrompt> PpoPrompts(int count, int seed)
    {
        var prompts = new List<PpoPrompt>(count);
        for (var i = 0; prompts.Count < count; i++)
        {
            var scenario = ScenarioFor(seed, i);
            var world = scenario.CreateWorld();
            var truth = scenario.DrawHypothesis(i);
            if (i % 2 == 1)
            {
                var question = Demonstrator.Question(scenario, PlanEnumerator.Enumerate(world));
                var answer = AskAndAnswer(scenario, truth, world, question, i);
                prompts.Add(new PpoPrompt(
                    new PolicyPrompt(world.Describe(), scenario.Instruction, [question, answer]),
                    new GoldContext(scenario.Json, truth.Name, [question]), scenario.Id));
            }
            else
            {
                prompts.Add(new PpoPrompt(new PolicyPrompt(world.Describe(), scenario.Instruction, []), new GoldContext(scenario.Json, truth.Name, []), scenario.Id));
            }
        }

        return prompts;
    }

    /// <summary>Runs the question on <paramref name="world"/> and returns the person's answer.</summary>
    private static string AskAndAnswer(Scenario scenario, ScenarioHypothesis truth, World world, string question, int seed)
    {
        Simulator.Execute(world, question);
        return Person(scenario, truth, seed).Answer(world, Unquote(question), maxSteps: scenario.StepLimit - 1).Text;
    }

    private static SimulatedHuman Person(Scenario scenario, ScenarioHypothesis truth, int seed) =>
        SimulatedHuman.For(scenario, truth, new HumanOptions(), seed);

    private static string Unquote(string askAction)
    {
        var parsed = ActionParser.Parse(askAction);
        return parsed.Ok ? parsed.Action!.Text : askAction;
    }
}
