using CoopAgent.Agent.Scenarios;
using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;
using CoopAgent.Server.Feedback;
using TorchSharp;

namespace CoopAgent.Server.Tests.Retraining;

/// <summary>
/// A micro policy (one layer, width 32) fine-tuned in seconds to answer two built-in households with a few fixed turns in
/// equal measure — for Raj's hot drink: a tea plan, a coffee plan, or a question; for Leo and the cat: ordering food
/// with or without asking Anna first — so that a preference in the feedback has something to move. Also writes
/// feedback databases through <see cref="FeedbackStore"/>, with prompts in the layout the server logs.
/// </summary>
public sealed class RetrainFixture : IDisposable
{
    public const string Raj = "pref-hot-drink-raj";
    public const string Cat = "canonical-cat";
    public const string Ask = "ask \"The fridge is empty. Shall I order food, or will you bring some?\"";
    public const string CookTheCat = "goto kitchen; cook misty; give misty to leo; done";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "coop-retrain-loop-" + Guid.NewGuid().ToString("N"));

    public RetrainFixture()
    {
        // One LibTorch thread, as the CLI runs: a reduction split over two threads adds in another order, and PPO
        // amplifies the last bits; whether some CLI test had already set it must not decide these tests.
        Alignment.Devices.DeviceSelector.ConfigureThreads();
        var scenarios = BuiltinScenarios.All().Where(s => s.Id is Raj or Cat).ToDictionary(s => s.Id);
        Observation = scenarios.ToDictionary(s => s.Key, s => s.Value.CreateWorld().Describe());
        Messages = scenarios.ToDictionary(s => s.Key, s => (IReadOnlyList<string>)[.. s.Value.Instructions, .. s.Value.Instructions.Select(i => "Please: " + i)]);
        var solutions = scenarios[Raj].Solutions;
        TeaPlan = solutions["tea"];
        CoffeePlan = solutions["coffee"];
        AskFirst = scenarios[Cat].Solutions["order-food"];
        ActAtOnce = AskFirst[(Ask.Length + 2)..];
        Responses = new Dictionary<string, IReadOnlyList<string>>
        {
            [Raj] = [TeaPlan, CoffeePlan, "ask \"Coffee or tea?\""],
            [Cat] = [AskFirst, ActAtOnce],
        };

        PolicyRoot = Path.Combine(_root, "policies");
        PolicyFolder = Path.Combine(PolicyRoot, "default");
        TrainMicroPolicy();
    }

    public IReadOnlyDictionary<string, string> Observation { get; }

    /// <summary>What people type to start each household: its instructions, plain and with "Please: ".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Messages { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Responses { get; }

    public string TeaPlan { get; }

    public string CoffeePlan { get; }

    /// <summary>Leo and the cat: ask Anna, then order food.</summary>
    public string AskFirst { get; }

    /// <summary>Leo and the cat: order food without asking.</summary>
    public string ActAtOnce { get; }

    public string PolicyRoot { get; }

    /// <summary>The micro policy as trained (a copy goes to each test's own policies folder).</summary>
    public string PolicyFolder { get; }

    /// <summary>The prompt text the server logs for a first message in a household.</summary>
    public string LoggedPrompt(string scenario, string message) => $"<|bos|><|obs|>{Observation[scenario]}<|user|>{message}<|assistant|>";

    /// <summary>A fresh folder with a copy of the micro policy as <c>policies/default</c>; returns the policy folder.</summary>
    public string CopyPolicy()
    {
        var folder = Path.Combine(_root, Guid.NewGuid().ToString("N"), "policies", "default");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(PolicyFolder))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    public string NewFolder(string name) => Path.Combine(_root, Guid.NewGuid().ToString("N"), name);

    /// <summary>
    /// Writes a feedback database of <paramref name="users"/> people who each open both households with every
    /// message; <paramref name="judge"/> gives, per household, the turns best first as that person ranks them. Every
    /// person ranks all candidates, chooses between the first two shown, and corrects a reply that is not their
    /// favourite. When <paramref name="answer"/> is given, each person is also asked "Coffee or tea?" in Raj's household
    /// (a session of that scenario) and answers it. Returns the database file.
    /// </summary>
    public string WriteFeedback(int users, Func<string, IReadOnlyList<string>> judge, string? answer = null)
    {
        var folder = NewFolder("data");
        using var store = new FeedbackStore(folder);
        for (var u = 0; u < users; u++)
        {
            var user = store.CreateUser().User.Id;
            if (answer is not null)
            {
                WriteAnswer(store, user, answer);
            }

            foreach (var scenario in new[] { Raj, Cat })
            {
                var order = judge(scenario);
                foreach (var message in Messages[scenario])
                {
                    // The reply rotates through the candidates, as different samples would.
                    var candidates = Responses[scenario].Skip(u % Responses[scenario].Count).Concat(Responses[scenario].Take(u % Responses[scenario].Count)).ToList();
                    var turn = new TurnRecord
                    {
                        Id = Guid.NewGuid().ToString("N"),
                        SessionId = Guid.NewGuid().ToString("N"),
                        UserId = user,
                        UserMessage = message,
                        Prompt = LoggedPrompt(scenario, message),
                        Candidates = candidates,
                        Reply = candidates[0],
                        Kind = candidates[0].StartsWith("ask", StringComparison.Ordinal) ? "question" : "plan",
                        ComparePair = [0, 1],
                        PolicyVersion = "default",
                        CreatedUtc = DateTime.UtcNow,
                    };
                    store.AddTurn(turn);
                    store.SaveFeedback(user, turn.Id, FeedbackKind.Ranking, f => f.Ranks = candidates.Select(c => RankOf(order, c)).ToList());
                    store.SaveFeedback(user, turn.Id, FeedbackKind.Comparison, f => f.Choice = RankOf(order, candidates[0]) <= RankOf(order, candidates[1]) ? "a" : "b");
                    if (candidates[0] != order[0])
                    {
                        store.SaveFeedback(user, turn.Id, FeedbackKind.Correction, f => f.Correction = order[0]);
                    }
                }
            }
        }

        return store.Path;
    }

    private void WriteAnswer(FeedbackStore store, string user, string answer)
    {
        var session = new SessionRecord { Id = Guid.NewGuid().ToString("N"), UserId = user, Source = "builtin", ScenarioId = Raj, Title = "Raj", StartedUtc = DateTime.UtcNow };
        store.AddSession(session);
        var message = Messages[Raj][0];
        const string question = "ask \"Coffee or tea?\"";
        store.AddTurn(new TurnRecord
        {
            Id = Guid.NewGuid().ToString("N"), SessionId = session.Id, UserId = user, Index = 0, UserMessage = message,
            Prompt = LoggedPrompt(Raj, message), Candidates = [question], Reply = question, Kind = "question", PolicyVersion = "default", CreatedUtc = DateTime.UtcNow,
        });
        store.AddTurn(new TurnRecord
        {
            Id = Guid.NewGuid().ToString("N"), SessionId = session.Id, UserId = user, Index = 1, UserMessage = answer,
            Prompt = LoggedPrompt(Raj, message)[..^"<|assistant|>".Length] + $"<|assistant|>{question}<|user|>{answer}<|assistant|>",
            Candidates = [TeaPlan], Reply = TeaPlan, Kind = "plan", PolicyVersion = "default", CreatedUtc = DateTime.UtcNow,
        });
    }

    /// <summary>Share of <paramref name="samples"/> replies per message of <paramref name="scenario"/> for which
    /// <paramref name="behaviour"/> holds, sampled at temperature 1 with fixed seeds from the policy in <paramref name="folder"/>.</summary>
    public double Rate(string folder, string scenario, Func<string, bool> behaviour, int samples = 16)
    {
        using var policy = TextPolicy.Load(folder);
        var hits = 0;
        var total = 0;
        foreach (var (message, i) in Messages[scenario].Select((m, i) => (m, i)))
        {
            var replies = policy.Sample(Observation[scenario], [new ChatTurn(ChatRole.User, message)], samples, new SamplingOptions(56, Temperature: 1.0), seed: 100 + i);
            hits += replies.Count(behaviour);
            total += replies.Count;
        }

        return hits / (double)total;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder; the OS cleans it eventually.
        }
    }

    private static int RankOf(IReadOnlyList<string> order, string candidate)
    {
        var rank = 0;
        foreach (var o in order)
        {
            rank++;
            if (o == candidate)
            {
                return rank;
            }
        }

        return rank + 1;
    }

    private void TrainMicroPolicy()
    {
        var texts = Observation.Values.Concat(Messages.Values.SelectMany(m => m)).Concat(Responses.Values.SelectMany(r => r)).Append(CookTheCat);
        var tokenizer = CompactTokenizer.Build(texts);
        torch.manual_seed(5);
        using var model = new Gpt(new GptConfig(tokenizer.Count, ContextLength: 256, Layers: 1, Heads: 2, Width: 32), new torch.Generator(5));
        var examples = new List<SftExample>();
        foreach (var scenario in new[] { Raj, Cat })
        {
            foreach (var message in Messages[scenario])
            {
                var prompt = ChatPrompt.Build(tokenizer, Observation[scenario], message, 256 - 56);
                examples.AddRange(Responses[scenario].Select(r => new SftExample(prompt, ChatPrompt.Response(tokenizer, r))));
            }
        }

        using (var trainer = new SftTrainer(model, new SftOptions(LearningRate: 3e-3, BatchSize: 10, Epochs: 80, WarmupSteps: 5, Seed: 5), examples.Count, CompactTokenizer.PadId))
        {
            trainer.Train(examples);
        }

        CheckpointStore.Save(PolicyFolder, model, tokenizer, CheckpointManifest.Create("default", metrics: new Dictionary<string, double>()));
    }
}

/// <summary>The tests that share one <see cref="RetrainFixture"/> (trained once) and run one at a time, with no other
/// test running beside them: TorchSharp's global random state must not move under a retrain.</summary>
[CollectionDefinition(nameof(RetrainRuns), DisableParallelization = true)]
public sealed class RetrainRuns : ICollectionFixture<RetrainFixture>;
