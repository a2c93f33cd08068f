using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Policy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
// Alignment and Microsoft.Extensions.AI both name a ChatRole; this is the one file that sees both.
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using PolicyRole = CoopAgent.Alignment.Policy.ChatRole;

namespace CoopAgent.Agent;

/// <summary>
/// The TorchSharp policy (<see cref="TextPolicy"/>) behind Microsoft.Extensions.AI's <see cref="IChatClient"/>,
/// and so, through <see cref="CreateKernel"/>, behind Semantic Kernel's <see cref="IChatCompletionService"/>.
/// The one file that sees both TorchSharp-side types and the AI abstractions.
/// </summary>
/// <remarks>
/// Messages map onto the policy's prompt (docs/ARCHITECTURE.md, "What the policy reads and writes"): system
/// messages are the observation, user and assistant messages the dialogue. <see cref="ChatOptions"/> honoured:
/// Temperature (0 → greedy), TopK, TopP, Seed, MaxOutputTokens (cut to leave room for a prompt in the model's
/// context). How many samples: <c>AdditionalProperties["n"]</c> (an integer, default 1) — the response then
/// holds n assistant messages, one per sample, drawn in one batch. Calls are serialised (the policy is
/// single-threaded): <see cref="GetResponseAsync"/> runs on the calling thread, which is where the server's
/// inference worker wants it; streaming generates on a pool thread and hands tokens over a channel.
/// </remarks>
public sealed class PolicyChatClient : IChatClient
{
    /// <summary>The key in <see cref="ChatOptions.AdditionalProperties"/> for the number of samples.</summary>
    public const string SamplesKey = "n";

    /// <summary>The key in <see cref="ChatOptions.AdditionalProperties"/> for an <see cref="ITextGrammar"/> every
    /// sample must follow (constrained decoding); absent: free text.</summary>
    public const string GrammarKey = "coopagent.grammar";

    private readonly TextPolicy _policy;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ChatClientMetadata _metadata;

    public PolicyChatClient(TextPolicy policy, string providerName = "coopagent")
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _metadata = new ChatClientMetadata(providerName, providerUri: null, defaultModelId: policy.Version);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var request = Translate(_policy, messages, options);
        _gate.Wait(cancellationToken);
        try
        {
            var texts = _policy.Sample([(request.Prompt, request.Samples)], request.Sampling, request.Seed, request.Constraint is null ? null : [request.Constraint])[0];
            var replies = texts.Select(t => new ChatMessage(AiChatRole.Assistant, t)).ToList();
            return Task.FromResult(new ChatResponse(replies) { ModelId = _policy.Version, FinishReason = ChatFinishReason.Stop });
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Several calls answered together — the agent's samples after each imagined answer, say. From the in-process
    /// policy, calls that share their sampling options are drawn in one batch (seeded by the first call's seed);
    /// from any other client the calls go out at once, so a batching server can serve them in one batch too.
    /// </summary>
    public static async Task<IReadOnlyList<ChatResponse>> GetResponsesAsync(
        IChatClient client, IReadOnlyList<(IReadOnlyList<ChatMessage> Messages, ChatOptions Options)> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(calls);
        if (calls.Count == 0)
        {
            return [];
        }

        if (client.GetService(typeof(PolicyChatClient)) is PolicyChatClient direct)
        {
            var requests = calls.Select(c => Translate(direct._policy, c.Messages, c.Options)).ToList();
            if (requests.All(r => r.Sampling == requests[0].Sampling))
            {
                return direct.SampleTogether(requests, cancellationToken);
            }
        }

        return await Task.WhenAll(calls.Select(c => client.GetResponseAsync(c.Messages, c.Options, cancellationToken)));
    }

    private ChatResponse[] SampleTogether(List<PolicyRequest> requests, CancellationToken cancellationToken)
    {
        _gate.Wait(cancellationToken);
        try
        {
            var texts = _policy.Sample(requests.Select(r => (r.Prompt, r.Samples)).ToList(), requests[0].Sampling, requests[0].Seed, requests.Select(r => (ITokenConstraint?)r.Constraint).ToList());
            return texts.Select(t => new ChatResponse(t.Select(x => new ChatMessage(AiChatRole.Assistant, x)).ToList()) { ModelId = _policy.Version, FinishReason = ChatFinishReason.Stop }).ToArray();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (prompt, sampling, seed) = Prepare(messages, options);
        var pieces = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        await _gate.WaitAsync(cancellationToken);
        // The whole generation runs on one pool thread (TorchSharp dispose scopes are thread-bound, so no await
        // inside it); pieces cross to the reader through the channel as they are drawn.
        var generation = Task.Run(() =>
        {
            try
            {
                _policy.Stream(prompt, sampling, piece => pieces.Writer.TryWrite(piece), seed, cancellationToken);
                pieces.Writer.TryComplete();
            }
            catch (Exception e)
            {
                pieces.Writer.TryComplete(e);
            }
            finally
            {
                _gate.Release();
            }
        }, CancellationToken.None);

        await foreach (var piece in pieces.Reader.ReadAllAsync(cancellationToken))
        {
            yield return new ChatResponseUpdate(AiChatRole.Assistant, piece) { ModelId = _policy.Version };
        }

        await generation;
        yield return new ChatResponseUpdate { Role = AiChatRole.Assistant, FinishReason = ChatFinishReason.Stop, ModelId = _policy.Version };
    }

    /// <summary>SK's prompt functions ask for <see cref="ChatClientMetadata"/>; the policy itself is served too.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType == typeof(TextPolicy) ? _policy
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Disposes the lock only: the policy belongs to whoever loaded it.</summary>
    public void Dispose() => _gate.Dispose();

    /// <summary>A kernel whose <see cref="IChatCompletionService"/> is <paramref name="chatClient"/>
    /// (through <c>AsChatCompletionService()</c>), for the agent loop's plugins and filters.</summary>
    public static Kernel CreateKernel(IChatClient chatClient)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(chatClient.AsChatCompletionService());
        return builder.Build();
    }

    /// <summary>n from <c>AdditionalProperties["n"]</c>: an int, a long or a numeric string; 1 when absent.</summary>
    public static int Samples(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue(SamplesKey, out var value) != true || value is null)
        {
            return 1;
        }

        var n = value switch
        {
            int i => i,
            long l => (int)Math.Clamp(l, int.MinValue, int.MaxValue),
            string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            IConvertible c => c.ToInt32(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"AdditionalProperties[\"{SamplesKey}\"] must be an integer, not {value.GetType().Name}"),
        };
        return n >= 1 ? n : throw new ArgumentOutOfRangeException(nameof(options), n, "the number of samples must be at least 1");
    }

    private (int[] Prompt, SamplingOptions Sampling, long Seed) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var request = Translate(_policy, messages, options);
        return (request.Prompt, request.Sampling, request.Seed);
    }

    /// <summary>
    /// What a chat call asks of <paramref name="policy"/> — prompt ids, sampling options, seed and how many
    /// samples — mapped exactly as <see cref="GetResponseAsync"/> maps it. For callers that gather the calls
    /// of many conversations and sample them in one batch (the chat server, with
    /// <see cref="TextPolicy.Sample(IReadOnlyList{ValueTuple{int[], int}}, SamplingOptions, long, IReadOnlyList{ITokenConstraint})"/>).
    /// </summary>
    public static PolicyRequest Translate(TextPolicy policy, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        var observation = string.Join("\n", list.Where(m => m.Role == AiChatRole.System).Select(m => m.Text));
        var dialogue = list.Where(m => m.Role == AiChatRole.User || m.Role == AiChatRole.Assistant)
            .Select(m => new ChatTurn(m.Role == AiChatRole.User ? PolicyRole.User : PolicyRole.Assistant, m.Text))
            .ToList();

        // Leave at least a quarter of the context for the prompt, so a long reply never crowds the question out.
        var context = policy.Config.ContextLength;
        var maxNew = Math.Clamp(options?.MaxOutputTokens ?? 64, 1, Math.Max(1, context - Math.Max(ChatPrompt.MinimumLength, context / 4)));
        var temperature = options?.Temperature ?? 1f;
        var greedy = temperature <= 0;
        var sampling = new SamplingOptions(
            MaxNewTokens: maxNew,
            Temperature: greedy ? 1.0 : temperature,
            TopK: greedy ? 1 : options?.TopK ?? 0,
            TopP: options?.TopP is float p and > 0 and <= 1 ? p : 1.0);
        return new PolicyRequest(policy.BuildPrompt(observation, dialogue, maxNew), sampling, options?.Seed ?? 0, Samples(options), Constraint(policy, options));
    }

    /// <summary>The grammar of <c>AdditionalProperties[GrammarKey]</c> as a token constraint for the policy's
    /// tokenizer; null when there is none.</summary>
    private static GrammarConstraint? Constraint(TextPolicy policy, ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(GrammarKey, out var value) != true || value is null ? null
        : value is ITextGrammar grammar ? GrammarConstraint.For(grammar, policy.Tokenizer)
        : throw new ArgumentException($"AdditionalProperties[\"{GrammarKey}\"] must be an {nameof(ITextGrammar)}, not {value.GetType().Name}");
}

/// <summary>One chat call in the policy's terms (<see cref="PolicyChatClient.Translate"/>): prompt ids, sampling
/// options, seed, the number of samples, and what the samples may say (null: free text).</summary>
public sealed record PolicyRequest(int[] Prompt, SamplingOptions Sampling, long Seed, int Samples, ITokenConstraint? Constraint = null);
