using CoopAgent.Agent;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;
using CoopAgent.Server.Sessions;
using Microsoft.Extensions.AI;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;

namespace CoopAgent.Server.Tests.Sessions;

public sealed class PolicyBatcherTests
{
    private static TextPolicy TinyPolicy(long seed)
    {
        var tokenizer = CompactTokenizer.Build([]);
        return TextPolicy.CreateUntrained(seed, tokenizer, new GptConfig(tokenizer.Count, ContextLength: 128, Layers: 1, Heads: 2, Width: 16));
    }

    private static async Task<PolicyBatcher> StartAsync(InferenceWorker worker, long seed = 1)
    {
        var policy = await worker.RunAsync(_ => TinyPolicy(seed), CancellationToken.None);
        return new PolicyBatcher(worker, policy, new PolicyInfo(policy.Version, Trained: false, Source: "test"));
    }

    private static List<ChatMessage> Chat(string instruction) =>
        [new(AiChatRole.System, "You are in the kitchen, holding nothing."), new(AiChatRole.User, instruction)];

    private static ChatOptions Options(int samples, long seed) => new()
    {
        Temperature = 1f,
        MaxOutputTokens = 8,
        Seed = seed,
        AdditionalProperties = new() { [PolicyChatClient.SamplesKey] = samples },
    };

    /// <summary>Holds the inference thread until the returned source is set, so calls pile up behind it.</summary>
    private static TaskCompletionSource Block(InferenceWorker worker)
    {
        var release = new TaskCompletionSource();
        _ = worker.RunAsync(token => release.Task.Wait(TimeSpan.FromSeconds(30), token), CancellationToken.None);
        return release;
    }

    [Fact]
    public async Task Background_calls_wait_for_a_batch_no_agent_call_is_waiting_for()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        var background = Options(3, seed: 5);
        background.AdditionalProperties![PolicyBatcher.BackgroundKey] = true;
        var alternatives = batcher.GetResponseAsync(Chat("make tea"), background);
        var agent = batcher.GetResponseAsync(Chat("feed the cat"), Options(2, seed: 6));
        release.SetResult();

        // The agent call, queued second, is sampled first and alone; the alternatives come in the next batch (waiting
        // together, without the mark, the two would be one batch).
        Assert.Equal(2, (await agent).Messages.Count);
        Assert.Equal(3, (await alternatives).Messages.Count);
        Assert.Equal((2L, 2L), batcher.Counts);
    }

    [Fact]
    public async Task Calls_waiting_together_are_sampled_as_one_batch_and_each_gets_its_own_samples()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        var calls = new[] { ("make tea", 2), ("feed the cat", 3), ("tidy up", 1) }
            .Select(c => batcher.GetResponseAsync(Chat(c.Item1), Options(c.Item2, seed: 4))).ToList();
        release.SetResult();
        var responses = await Task.WhenAll(calls);

        Assert.Equal([2, 3, 1], responses.Select(r => r.Messages.Count));
        Assert.All(responses, r => Assert.Equal(batcher.Info.Version, r.ModelId));
        Assert.Equal((1L, 3L), batcher.Counts);
    }

    [Fact]
    public async Task A_call_sampled_alone_gives_what_the_policy_chat_client_gives()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var alone = await batcher.GetResponseAsync(Chat("make tea"), Options(4, seed: 11));
        var direct = await worker.RunAsync(token =>
        {
            using var reference = TinyPolicy(1);
            using var client = new PolicyChatClient(reference);
            return client.GetResponseAsync(Chat("make tea"), Options(4, seed: 11), token).GetAwaiter().GetResult();
        }, CancellationToken.None);

        Assert.Equal(direct.Messages.Select(m => m.Text), alone.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task A_call_cancelled_while_waiting_is_skipped_and_the_others_are_answered()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker);
        var release = Block(worker);
        using var cancel = new CancellationTokenSource();
        var cancelled = batcher.GetResponseAsync(Chat("make tea"), Options(2, seed: 1), cancel.Token);
        var kept = batcher.GetResponseAsync(Chat("feed the cat"), Options(2, seed: 1));
        await cancel.CancelAsync();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(2, (await kept).Messages.Count);
        Assert.Equal(1L, batcher.Counts.Calls);
    }

    [Fact]
    public async Task A_replacement_serves_the_next_batch_and_a_failed_load_keeps_the_old_policy()
    {
        using var worker = new InferenceWorker();
        using var batcher = await StartAsync(worker, seed: 1);
        var first = batcher.Info.Version;

        await Assert.ThrowsAsync<InvalidDataException>(() => batcher.ReplaceAsync(() => throw new InvalidDataException("broken checkpoint"), CancellationToken.None));
        Assert.Equal(first, batcher.Info.Version);
        Assert.Equal(first, (await batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1))).ModelId);

        var info = await batcher.ReplaceAsync(() =>
        {
            var next = TinyPolicy(2);
            return (next, new PolicyInfo(next.Version, Trained: true, Source: "swapped"));
        }, CancellationToken.None);

        Assert.NotEqual(first, info.Version);
        Assert.Equal(info, batcher.Info);
        Assert.Equal(info.Version, (await batcher.GetResponseAsync(Chat("make tea"), Options(1, seed: 1))).ModelId);
    }
}
