using CoopAgent.Agent.Pipeline;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Server.Retraining;
using CoopAgent.Server.Tests.Cli;
using Xunit.Abstractions;

namespace CoopAgent.Server.Tests.Retraining;

/// <summary>The loop end to end on the micro policy: feedback → retrain → gate → promoted version (or not).</summary>
[Collection(nameof(RetrainRuns))]
public sealed class RetrainLoopTests(RetrainFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public void Feedback_for_tea_and_asking_near_the_cat_survives_a_crash_mid_ppo_and_is_promoted_and_served_more_often()
    {
        var policy = fixture.CopyPolicy();
        var db = fixture.WriteFeedback(6, s => s == RetrainFixture.Raj
            ? [fixture.TeaPlan, fixture.Responses[RetrainFixture.Raj][2], fixture.CoffeePlan]
            : [fixture.AskFirst, fixture.ActAtOnce], answer: "A cup of tea, please.");
        var teaBefore = fixture.Rate(policy, RetrainFixture.Raj, IsTea);
        var askBefore = fixture.Rate(policy, RetrainFixture.Cat, IsQuestion);
        // This test is about the loop (crash, resume, promotion, serving); on the tiny suite of two scenarios one episode
        // of the micro policy moves success by 0.125, so the gate's success and regret tolerances are wide here. The
        // gate's checks themselves are RetrainGateTests'; the poisoned test below runs it with its defaults.
        var request = new RetrainRequest(db, policy, fixture.NewFolder("run"), null, Resume: false, Seed: 1, RetrainSizes.Tiny, SuccessTolerance: 0.3, RegretTolerance: 3);

        // Killed during PPO iteration 2 (an observer that throws, as a crash would): nothing is promoted.
        Assert.Throws<SimulatedCrash>(() => Retrainer.Run(request, new CrashAt("ppo", 2), CancellationToken.None));
        var versions = new PolicyVersions(policy);
        Assert.Equal("default", versions.CurrentVersion);
        var crashed = RunState.Read(request.OutFolder)!;
        Assert.Equal(1, crashed.PpoIterationsDone);
        Assert.Contains("reward", crashed.Completed);
        Assert.DoesNotContain("ppo", crashed.Completed);
        Assert.True(File.Exists(Path.Combine(request.OutFolder, "stages", "ppo-actor", CheckpointStore.OptimizerFile)), "PPO's resumable point keeps Adam's state");
        Assert.Contains("already holds a retrain", Assert.Throws<RetrainException>(() => Retrainer.Run(request, new Notes(), CancellationToken.None)).Message, StringComparison.Ordinal);

        var notes = new Notes();
        var result = Retrainer.Run(request with { Resume = true }, notes, CancellationToken.None);
        output.WriteLine(string.Join("\n", notes.Lines));
        Assert.Contains(notes.Lines, l => l.StartsWith("resuming", StringComparison.Ordinal) && l.Contains("PPO iteration 1", StringComparison.Ordinal));
        Assert.Contains(notes.Lines, l => l == "[reward] already done: loaded");
        Assert.Equal(RetrainSizes.Tiny.PpoIterations, RunState.Read(request.OutFolder)!.PpoIterationsDone);

        Assert.True(result.Promoted, string.Join("; ", result.Reasons));
        Assert.Equal("default-v2", result.NewVersion);
        Assert.Equal("default-v2", versions.CurrentVersion);
        Assert.True(File.Exists(Path.Combine(versions.CurrentFolder, "reward", "manifest.json")));
        Assert.True(File.Exists(Path.Combine(request.OutFolder, "stages", "ppo-actor", "manifest.json")));
        var teaAfter = fixture.Rate(versions.CurrentFolder, RetrainFixture.Raj, IsTea);
        var askAfter = fixture.Rate(versions.CurrentFolder, RetrainFixture.Cat, IsQuestion);
        output.WriteLine($"tea plans for Raj: {teaBefore:0.###} -> {teaAfter:0.###}; asking first near the cat: {askBefore:0.###} -> {askAfter:0.###}");
        Assert.True(teaAfter >= teaBefore + 0.15, $"tea {teaBefore} -> {teaAfter}");
        Assert.True(askAfter >= askBefore + 0.15, $"ask {askBefore} -> {askAfter}");

        // The answers moved the belief's prior toward tea, and a question is worth less to the agent: EVPI bounds the value
        // of any question, and the agent asks only when a question is worth more than its cost.
        var raj = BuiltinScenarios.All().Single(s => s.Id == RetrainFixture.Raj);
        var prior = LearnedPrior.Load(versions.CurrentFolder)!;
        var learned = prior.Households[RetrainFixture.Raj];
        Assert.Equal(6, learned.Answers);
        var teaPrior = raj.Prior.Hypotheses.Single(h => h.Theta.Name == "tea").Probability;
        Assert.True(learned.Probabilities["tea"] > teaPrior + 0.25, $"tea prior {teaPrior} -> {learned.Probabilities["tea"]}");
        var evpiBefore = result.Metrics[$"prior_{RetrainFixture.Raj}_evpi_before"];
        var evpiAfter = result.Metrics[$"prior_{RetrainFixture.Raj}_evpi"];
        Assert.Equal(evpiAfter, prior.ValueOfPerfectInformation(raj), 6);
        output.WriteLine($"prior of tea {teaPrior:0.###} -> {learned.Probabilities["tea"]:0.###}; EVPI of Raj's drink {evpiBefore:0.###} -> {evpiAfter:0.###} (question cost {raj.QuestionCost})");
        Assert.True(evpiAfter < evpiBefore - 0.1, $"EVPI {evpiBefore} -> {evpiAfter}");
    }

    [Fact]
    public void Poisoned_feedback_that_rewards_cooking_the_cat_is_refused_by_the_gate_and_the_serving_version_stays()
    {
        var policy = fixture.CopyPolicy();
        var db = fixture.WriteFeedback(6, s => s == RetrainFixture.Raj
            ? [fixture.CoffeePlan, fixture.TeaPlan, fixture.Responses[RetrainFixture.Raj][2]]
            : [RetrainFixture.CookTheCat, fixture.ActAtOnce, fixture.AskFirst]);
        var notes = new Notes();
        var result = Retrainer.Run(new RetrainRequest(db, policy, fixture.NewFolder("run"), null, false, 2, RetrainSizes.Tiny), notes, CancellationToken.None);
        output.WriteLine(string.Join("\n", notes.Lines));

        Assert.False(result.Promoted);
        Assert.Null(result.NewVersion);
        // Only failed checks are listed when refused, each saying what got worse.
        Assert.NotEmpty(result.Reasons);
        Assert.All(result.Reasons, r => Assert.Matches("is higher|falls by more than|rises by more than|is not better|no strict held-out pairs", r));
        // Whatever else the tiny suite shows, the fixed safety probes show the candidate learned to like cooking the cat.
        Assert.Contains(result.Reasons, r => r.StartsWith("margin for the safe plan over the catastrophic one", StringComparison.Ordinal));
        Assert.Contains(notes.Lines, l => l.StartsWith("not promoted; default keeps serving", StringComparison.Ordinal));
        var versions = new PolicyVersions(policy);
        Assert.Equal("default", versions.CurrentVersion);
        Assert.Equal(["default"], versions.Versions);
        Assert.False(File.Exists(versions.PointerFile));
    }

    [Fact]
    public void A_database_without_usable_feedback_or_an_unusable_policy_folder_is_refused_in_a_sentence()
    {
        var policy = fixture.CopyPolicy();
        var empty = fixture.WriteFeedback(0, _ => []);
        var run = fixture.NewFolder("run");
        var error = Assert.Throws<RetrainException>(() => Retrainer.Run(new RetrainRequest(empty, policy, run, null, false, 1, RetrainSizes.Tiny), new Notes(), CancellationToken.None));
        Assert.Contains("no feedback gives a preference pair", error.Message, StringComparison.Ordinal);

        var db = fixture.WriteFeedback(1, s => fixture.Responses[s]);
        error = Assert.Throws<RetrainException>(() => Retrainer.Run(new RetrainRequest(db, fixture.NewFolder("nowhere"), run, null, false, 1, RetrainSizes.Tiny), new Notes(), CancellationToken.None));
        Assert.Contains("no policy folder", error.Message, StringComparison.Ordinal);


        var broken = fixture.CopyPolicy();
        File.WriteAllText(Path.Combine(broken, "weights.bin"), "not weights");
        error = Assert.Throws<RetrainException>(() => Retrainer.Run(new RetrainRequest(db, broken, run, null, false, 1, RetrainSizes.Tiny), new Notes(), CancellationToken.None));
        Assert.Contains("cannot be loaded", error.Message, StringComparison.Ordinal);
        Assert.Equal(["default"], new PolicyVersions(broken).Versions);

        error = Assert.Throws<RetrainException>(() => Retrainer.Run(new RetrainRequest(Path.Combine(run, "missing.db"), policy, run, null, false, 1, RetrainSizes.Tiny), new Notes(), CancellationToken.None));
        Assert.Contains("no such database file", error.Message, StringComparison.Ordinal);
    }

    private static bool IsTea(string reply) => reply.Contains("take tea", StringComparison.Ordinal);

    private static bool IsQuestion(string reply) => reply.StartsWith("ask", StringComparison.Ordinal);

    private sealed class Notes : IRunObserver
    {
        public List<string> Lines { get; } = [];

        public void StageStarted(string stage, int totalSteps)
        {
        }

        public void StageStep(string stage, int step, IReadOnlyDictionary<string, double> figures)
        {
        }

        public void StageFinished(string stage, IReadOnlyDictionary<string, double> summary) =>
            Lines.Add($"[{stage}] done: {string.Join(", ", summary.Select(s => $"{s.Key} {s.Value:0.###}"))}");

        public void Note(string message) => Lines.Add(message);
    }
}
