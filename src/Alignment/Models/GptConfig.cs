namespace CoopAgent.Alignment.Models;

/// <summary>Shape of a decoder-only transformer (nanoGPT's <c>GPTConfig</c>). <see cref="Gpt"/> and
/// <see cref="ScalarModel"/> share it; it is saved as <c>config.json</c> beside the weights.</summary>
/// <param name="VocabSize">Number of token ids, special tokens included (the tokenizer's <c>Count</c>).</param>
/// <param name="ContextLength">Longest sequence of real tokens (positions 0 … ContextLength − 1).</param>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads per block; must divide <paramref name="Width"/>.</param>
/// <param name="Width">Embedding width C (the residual stream).</param>
/// <param name="Dropout">Dropout on embeddings, attention weights and residual branches while training.</param>
/// <param name="TieWeights">When true the output projection reuses the token embedding (<c>lm_head = wteᵀ</c>),
/// which saves VocabSize × Width parameters and helps small models.</param>
public sealed record GptConfig(
    int VocabSize,
    int ContextLength = 256, // prompts (observation + dialogue) and one response
    int Layers = 4,
    int Heads = 4,
    int Width = 160,         // 4 × 160 with 4 heads ≈ 1.2 M trunk parameters: trains on 2 CPU cores in minutes
    double Dropout = 0.0,    // small data, few steps: dropout mostly slows learning
    bool TieWeights = true)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadWidth => Width / Heads;

    /// <summary>A model small enough for unit tests (seconds on CPU).</summary>
    public static GptConfig Tiny(int vocabSize) =>
        new(vocabSize, ContextLength: 64, Layers: 2, Heads: 2, Width: 32);

    /// <summary>The shipped policy's size: modest enough to train in under 30 minutes on a 2-core CPU.</summary>
    public static GptConfig Default(int vocabSize) => new(vocabSize);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that cannot describe a model.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"invalid GptConfig: {message}");
            }
        }

        Require(VocabSize > 0, $"VocabSize must be positive (got {VocabSize})");
        Require(ContextLength > 0, $"ContextLength must be positive (got {ContextLength})");
        Require(Layers > 0, $"Layers must be positive (got {Layers})");
        Require(Heads > 0 && Width > 0 && Width % Heads == 0, $"Width ({Width}) must be a positive multiple of Heads ({Heads})");
        Require(Dropout is >= 0 and < 1, $"Dropout must be in [0, 1) (got {Dropout})");
    }
}
