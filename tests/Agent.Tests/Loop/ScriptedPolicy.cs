using Microsoft.Extensions.AI;

namespace CoopAgent.Agent.Tests.Loop;

/// <summary>
/// A test double for the policy: answers every request with the given turns (cycled up to
/// <c>AdditionalProperties["n"]</c> samples), and counts the requests. Stands in for a trained policy so that
/// the loop's decisions, not the policy's quality, are under test.
/// </summary>
public sealed class ScriptedPolicy(params string[] turns) : IChatClient
{
    public int Requests { get; private set; }

    public List<IReadOnlyList<ChatMessage>> Prompts { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests++;
        Prompts.Add(messages.ToList());
        var n = options?.AdditionalProperties?.TryGetValue("n", out var value) == true && value is int k ? k : 1;
        var replies = Enumerable.Range(0, n).Select(i => new ChatMessage(ChatRole.Assistant, turns.Length == 0 ? "" : turns[i % turns.Length])).ToList();
        return Task.FromResult(new ChatResponse(replies));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the loop does not stream");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
