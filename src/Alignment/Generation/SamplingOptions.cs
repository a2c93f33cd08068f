namespace CoopAgent.Alignment.Generation;

/// <summary>How to draw a response.</summary>
/// <param name="MaxNewTokens">Most tokens generated per row (the end token included).</param>
/// <param name="Temperature">Logits are divided by this before sampling (and in <see cref="Sampler.LogProbs"/>); must be &gt; 0.</param>
/// <param name="TopK">Keep only the K most likely tokens; 0 keeps all. TopK = 1 is greedy decoding.</param>
/// <param name="TopP">Nucleus sampling: keep the smallest set of most likely tokens whose probability reaches TopP; 1 keeps all.</param>
/// <param name="UseCache">Reuse keys and values of earlier tokens (the KV cache); false recomputes the whole sequence every step.</param>
public sealed record SamplingOptions(
    int MaxNewTokens = 64,
    double Temperature = 1.0,
    int TopK = 0,
    double TopP = 1.0,
    bool UseCache = true)
{
    /// <summary>Always the most likely token.</summary>
    public static SamplingOptions Greedy(int maxNewTokens = 64) => new(maxNewTokens, TopK: 1);

    internal void Validate()
    {
        if (MaxNewTokens <= 0)
        {
            throw new ArgumentException($"MaxNewTokens must be positive (got {MaxNewTokens}).");
        }

        if (!(Temperature > 0) || double.IsInfinity(Temperature))
        {
            throw new ArgumentException($"Temperature must be a positive number (got {Temperature}); use TopK = 1 for greedy decoding.");
        }

        if (TopK < 0)
        {
            throw new ArgumentException($"TopK must be 0 (off) or positive (got {TopK}).");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"TopP must be in (0, 1] (got {TopP}).");
        }
    }
}

/// <summary>One generated response.</summary>
/// <param name="Tokens">The new token ids, up to and including the end token when one was emitted.</param>
/// <param name="Finished">True when the row emitted the end token (false: cut at MaxNewTokens).</param>
public sealed record GeneratedSequence(int[] Tokens, bool Finished);
