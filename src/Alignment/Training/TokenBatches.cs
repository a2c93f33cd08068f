using static TorchSharp.torch;

namespace CoopAgent.Alignment.Training;

/// <summary>A batch for next-token training: predict <see cref="Targets"/>[b, t] from <see cref="Inputs"/>[b, ..t].</summary>
/// <remarks>Rows are right-padded; the loss counts only positions where <see cref="LossMask"/> is 1.
/// Owns its tensors (outside any dispose scope): dispose it.</remarks>
public sealed class TokenBatch : IDisposable
{
    internal TokenBatch(Tensor inputs, Tensor targets, Tensor attentionMask, Tensor lossMask)
    {
        Inputs = inputs.DetachFromDisposeScope();
        Targets = targets.DetachFromDisposeScope();
        AttentionMask = attentionMask.DetachFromDisposeScope();
        LossMask = lossMask.DetachFromDisposeScope();
    }

    /// <summary>(B, T) int64 input ids.</summary>
    public Tensor Inputs { get; }

    /// <summary>(B, T) int64 next-token ids.</summary>
    public Tensor Targets { get; }

    /// <summary>(B, T) int64, 1 on real input tokens.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>(B, T) float32, 1 where the target counts in the loss.</summary>
    public Tensor LossMask { get; }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        AttentionMask.Dispose();
        LossMask.Dispose();
    }
}

/// <summary>One SFT example: the prompt ids and the response ids (ending with the end token).</summary>
public sealed record SftExample(int[] Prompt, int[] Response);

/// <summary>Builds <see cref="TokenBatch"/>es for pretraining and SFT.</summary>
public static class TokenBatches
{
    /// <summary>Rows of prompt + response; the loss covers the response tokens (and its end token) only.</summary>
    /// <remarks>Row = prompt ++ response; inputs = row[..^1], targets = row[1..]. Target t is a response token when
    /// t + 1 ≥ |prompt|, so the first counted prediction is the first response token, made from the whole prompt.
    /// A row longer than <paramref name="contextLength"/> + 1 loses prompt tokens from the left (never the response).</remarks>
    /// <exception cref="ArgumentException">An empty response or prompt, or a response that alone exceeds the context.</exception>
    public static TokenBatch Sft(IReadOnlyList<SftExample> examples, int padToken, int contextLength, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var rows = new List<(int[] Tokens, int PromptLength)>(examples.Count);
        foreach (var example in examples)
        {
            if (example.Prompt.Length == 0 || example.Response.Length == 0)
            {
                throw new ArgumentException("an SFT example needs a prompt and a response of at least one token each.", nameof(examples));
            }

            if (example.Response.Length >= contextLength)
            {
                throw new ArgumentException($"a response of {example.Response.Length} tokens does not fit the context length {contextLength} with its prompt.", nameof(examples));
            }

            var keep = Math.Min(example.Prompt.Length, contextLength + 1 - example.Response.Length);
            rows.Add(([.. example.Prompt[^keep..], .. example.Response], keep));
        }

        return Build(rows, padToken, device);
    }

    /// <summary>Windows of documents for plain next-token training (every target counts); each window holds at least
    /// 2 and at most context length + 1 tokens (see <see cref="Windows"/>).</summary>
    public static TokenBatch Pretraining(IReadOnlyList<int[]> windows, int padToken, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Any(w => w.Length < 2))
        {
            throw new ArgumentException("every window needs at least two tokens (an input and its target).", nameof(windows));
        }

        return Build(windows.Select(w => (w, 1)).ToList(), padToken, device);
    }

    /// <summary>Cuts one document (already with its bos/eos) into windows of up to <paramref name="length"/> + 1
    /// tokens that overlap by one, so every token is a target exactly once.</summary>
    public static IEnumerable<int[]> Windows(int[] document, int length)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        for (var start = 0; start + 1 < document.Length; start += length)
        {
            yield return document[start..Math.Min(document.Length, start + length + 1)];
        }
    }

    // rows: token rows and, per row, how many leading tokens are context only: target t counts when t + 1 ≥ that.
    private static TokenBatch Build(IReadOnlyList<(int[] Tokens, int PromptLength)> rows, int padToken, Device? device)
    {
        if (rows.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one row.", nameof(rows));
        }

        var width = rows.Max(r => r.Tokens.Length) - 1;
        var inputs = new long[rows.Count * width];
        var targets = new long[rows.Count * width];
        var attention = new long[rows.Count * width];
        var loss = new float[rows.Count * width];
        Array.Fill(inputs, padToken);
        Array.Fill(targets, padToken);
        for (var b = 0; b < rows.Count; b++)
        {
            var (tokens, promptLength) = rows[b];
            for (var t = 0; t < tokens.Length - 1; t++)
            {
                inputs[(b * width) + t] = tokens[t];
                targets[(b * width) + t] = tokens[t + 1];
                attention[(b * width) + t] = 1;
                loss[(b * width) + t] = t + 1 >= promptLength ? 1f : 0f;
            }
        }

        return new TokenBatch(
            tensor(inputs, [rows.Count, width], device: device),
            tensor(targets, [rows.Count, width], device: device),
            tensor(attention, [rows.Count, width], device: device),
            tensor(loss, [rows.Count, width], device: device));
    }
}
