using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>Per-token log-probabilities and entropies of the response tokens, (B, R) each.</summary>
public sealed record ResponseLogProbs(Tensor LogProbs, Tensor Entropy);

/// <summary>
/// Prompts and responses laid out for scoring token by token: each row is [left-padded prompt | right-padded
/// response], so every prompt ends at column P − 1 and response token j sits at column P + j. The models take
/// positions from the attention mask, so the padding on either side changes nothing. Logits and values read at
/// column P + j − 1 belong to response token j (the state before it was emitted).
/// </summary>
public sealed class ResponseBatch : IDisposable
{
    private ResponseBatch(Tensor tokens, Tensor attentionMask, Tensor responseTokens, Tensor responseMask, int promptWidth)
    {
        Tokens = tokens;
        AttentionMask = attentionMask;
        ResponseTokens = responseTokens;
        ResponseMask = responseMask;
        PromptWidth = promptWidth;
    }

    /// <summary>(B, P + R) int64 token ids.</summary>
    public Tensor Tokens { get; }

    /// <summary>(B, P + R) int64, 1 on real tokens.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>(B, R) int64 response ids (padding where the mask is 0).</summary>
    public Tensor ResponseTokens { get; }

    /// <summary>(B, R) float32, 1 on response tokens, right-padded.</summary>
    public Tensor ResponseMask { get; }

    /// <summary>P: width of the prompt block.</summary>
    public int PromptWidth { get; }

    public long Size => Tokens.size(0);

    /// <summary>Lays out prompts and their responses; every prompt and response needs at least one token.</summary>
    public static ResponseBatch Create(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses, int padToken, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(responses);
        if (prompts.Count != responses.Count || prompts.Count == 0)
        {
            throw new ArgumentException($"need as many responses as prompts, at least one (got {prompts.Count} and {responses.Count}).");
        }

        if (prompts.Any(p => p.Length == 0) || responses.Any(r => r.Length == 0))
        {
            throw new ArgumentException("every prompt and every response needs at least one token.");
        }

        var batch = prompts.Count;
        var promptWidth = prompts.Max(p => p.Length);
        var responseWidth = responses.Max(r => r.Length);
        var width = promptWidth + responseWidth;
        var tokens = new long[batch * width];
        var mask = new long[batch * width];
        var responseTokens = new long[batch * responseWidth];
        var responseMask = new float[batch * responseWidth];
        Array.Fill(tokens, padToken);
        Array.Fill(responseTokens, padToken);
        for (var b = 0; b < batch; b++)
        {
            var row = b * width;
            for (var t = 0; t < prompts[b].Length; t++)
            {
                tokens[row + promptWidth - prompts[b].Length + t] = prompts[b][t];
                mask[row + promptWidth - prompts[b].Length + t] = 1;
            }

            for (var t = 0; t < responses[b].Length; t++)
            {
                tokens[row + promptWidth + t] = responses[b][t];
                mask[row + promptWidth + t] = 1;
                responseTokens[(b * responseWidth) + t] = responses[b][t];
                responseMask[(b * responseWidth) + t] = 1f;
            }
        }

        return new ResponseBatch(
            tensor(tokens, [batch, width], device: device).DetachFromDisposeScope(),
            tensor(mask, [batch, width], device: device).DetachFromDisposeScope(),
            tensor(responseTokens, [batch, responseWidth], device: device).DetachFromDisposeScope(),
            tensor(responseMask, [batch, responseWidth], device: device).DetachFromDisposeScope(),
            promptWidth);
    }

    /// <summary>The rows at <paramref name="indices"/> (a minibatch); the caller disposes it.</summary>
    public ResponseBatch Select(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return new ResponseBatch(
            Tokens.index_select(0, indices).DetachFromDisposeScope(),
            AttentionMask.index_select(0, indices).DetachFromDisposeScope(),
            ResponseTokens.index_select(0, indices).DetachFromDisposeScope(),
            ResponseMask.index_select(0, indices).DetachFromDisposeScope(),
            PromptWidth);
    }

    /// <summary>log π(token) and the entropy of π at every response position, logits divided by
    /// <paramref name="temperature"/> exactly as when sampling (<see cref="Sampler.LogProbs"/>).</summary>
    public ResponseLogProbs Evaluate(Gpt policy, double temperature)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!(temperature > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive.");
        }

        using var scope = NewDisposeScope();
        var logits = policy.forward(Tokens, AttentionMask)[.., (PromptWidth - 1)..^1] / temperature; // (B, R, V)
        var logProbabilities = logits.log_softmax(-1);                                                // (B, R, V)
        var logProbs = logProbabilities.gather(-1, ResponseTokens.unsqueeze(-1)).squeeze(-1);         // (B, R)
        var entropy = -(logProbabilities.exp() * logProbabilities).sum(-1);                           // (B, R)
        return new ResponseLogProbs((logProbs * ResponseMask).MoveToOuterDisposeScope(), (entropy * ResponseMask).MoveToOuterDisposeScope());
    }

    /// <summary>Critic values V(s_t) (B, R) of the state before each response token.</summary>
    public Tensor Values(ScalarModel critic)
    {
        ArgumentNullException.ThrowIfNull(critic);
        using var scope = NewDisposeScope();
        var values = critic.forward(Tokens, AttentionMask)[.., (PromptWidth - 1)..^1];              // (B, R)
        return (values * ResponseMask).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Tokens.Dispose();
        AttentionMask.Dispose();
        ResponseTokens.Dispose();
        ResponseMask.Dispose();
    }
}
