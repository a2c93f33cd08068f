using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Alignment.Training;
using TorchSharp;

namespace CoopAgent.Alignment.Tests.Policy;

public class TextPolicyTests
{
    private static readonly CompactTokenizer Tokenizer = CompactTokenizer.Build(["goto kitchen; open fridge; take milk; done", "kitchen: fridge", "fetch milk"]);

    private static TextPolicy Untrained(long seed = 3) =>
        TextPolicy.CreateUntrained(seed, Tokenizer, GptConfig.Tiny(Tokenizer.Count));

    /// <summary>A tiny policy taught (SFT) to answer one prompt with one plan.</summary>
    private static TextPolicy Taught(string response)
    {
        torch.set_num_threads(1);
        var policy = Untrained();
        var prompt = policy.BuildPrompt("kitchen: fridge", [new ChatTurn(ChatRole.User, "fetch milk")], 32);
        SftExample[] examples = [new(prompt, ChatPrompt.Response(Tokenizer, response))];
        using var trainer = new SftTrainer(policy.Model, new SftOptions(LearningRate: 3e-3, BatchSize: 1, Epochs: 60, WarmupSteps: 5), 1, CompactTokenizer.PadId);
        trainer.Train(examples);
        policy.Model.eval();
        return policy;
    }

    [Fact]
    public void Sample_returns_k_decoded_responses_reproducibly_for_a_seed()
    {
        using var policy = Untrained();
        var options = new SamplingOptions(MaxNewTokens: 8, Temperature: 1.2);
        var a = policy.Sample("kitchen: fridge", [new ChatTurn(ChatRole.User, "fetch milk")], 4, options, seed: 9);
        var b = policy.Sample("kitchen: fridge", [new ChatTurn(ChatRole.User, "fetch milk")], 4, options, seed: 9);
        Assert.Equal(4, a.Count);
        Assert.Equal(a, b);
        Assert.StartsWith("untrained-seed3", policy.Version);
    }

    [Fact]
    public void A_taught_policy_says_its_plan_and_streams_the_same_text()
    {
        const string plan = "goto kitchen; open fridge; take milk; done";
        using var policy = Taught(plan);
        var prompt = policy.BuildPrompt("kitchen: fridge", [new ChatTurn(ChatRole.User, "fetch milk")], 32);

        Assert.Equal([plan, plan], policy.Sample(prompt, 2, SamplingOptions.Greedy(32)));
        var pieces = new List<string>();
        var streamed = policy.Stream(prompt, SamplingOptions.Greedy(32), pieces.Add);
        Assert.Equal(plan, streamed);
        Assert.True(pieces.Count > 3);
        Assert.Equal(plan, string.Concat(pieces));
    }

    [Fact]
    public void Batched_requests_get_their_own_responses_and_one_request_matches_the_single_prompt_call()
    {
        const string plan = "goto kitchen; open fridge; take milk; done";
        using var policy = Taught(plan);
        var taught = policy.BuildPrompt("kitchen: fridge", [new ChatTurn(ChatRole.User, "fetch milk")], 32);
        var other = policy.BuildPrompt("garden: bench", [new ChatTurn(ChatRole.User, "water the roses please")], 32);
        var sampling = new SamplingOptions(MaxNewTokens: 32, Temperature: 1.3);

        var batched = policy.Sample([(taught, 2), (other, 3)], SamplingOptions.Greedy(32));
        Assert.Equal([plan, plan], batched[0]);
        Assert.Equal(policy.Sample(other, 3, SamplingOptions.Greedy(32)), batched[1]);
        Assert.Equal(policy.Sample(other, 4, sampling, seed: 5), policy.Sample([(other, 4)], sampling, seed: 5)[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.Sample([(taught, 0)], sampling));
    }

    [Fact]
    public void Streaming_never_splits_a_character_spelled_in_several_byte_tokens()
    {
        const string reply = "say \"🙂 中\"";                       // neither character is in the vocabulary: byte tokens
        using var policy = Taught(reply);
        Assert.True(Tokenizer.Encode("🙂").Length == 4);
        var prompt = policy.BuildPrompt("kitchen: fridge", [new ChatTurn(ChatRole.User, "fetch milk")], 32);
        var pieces = new List<string>();
        Assert.Equal(reply, policy.Stream(prompt, SamplingOptions.Greedy(32), pieces.Add));
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
        Assert.Contains("🙂", pieces);                                // the four bytes arrive as one piece
    }

    [Fact]
    public void A_saved_policy_loads_with_its_version_and_samples_the_same()
    {
        using var policy = Untrained();
        var directory = Directory.CreateTempSubdirectory("policy-").FullName;
        try
        {
            policy.Save(Path.Combine(directory, "p"), CheckpointManifest.Create("sft-test"));
            using var loaded = TextPolicy.Load(Path.Combine(directory, "p"));
            Assert.Equal("sft-test", loaded.Version);
            var prompt = policy.BuildPrompt("kitchen", [new ChatTurn(ChatRole.User, "fetch milk")], 6);
            Assert.Equal(policy.Sample(prompt, 3, new SamplingOptions(6), 1), loaded.Sample(prompt, 3, new SamplingOptions(6), 1));
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void Streaming_stops_when_cancelled()
    {
        using var policy = Untrained();
        using var cancel = new CancellationTokenSource();
        var pieces = 0;
        policy.Stream([CompactTokenizer.BosId], new SamplingOptions(MaxNewTokens: 40), _ =>
        {
            if (++pieces == 2)
            {
                cancel.Cancel();
            }
        }, seed: 1, cancel.Token);
        Assert.Equal(2, pieces);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_cut_not_refused()
    {
        using var policy = Untrained();
        var longPrompt = Enumerable.Repeat(Tokenizer.Encode("milk")[0], 200).ToArray();
        Assert.Single(policy.Sample(longPrompt, 1, new SamplingOptions(MaxNewTokens: 8)));
        Assert.Throws<ArgumentException>(() => policy.Sample([], 1, new SamplingOptions(8)));
        Assert.Throws<ArgumentException>(() => policy.Sample(longPrompt, 1, new SamplingOptions(MaxNewTokens: 64)));
    }
}
