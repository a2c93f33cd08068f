using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>The transformer shared by <see cref="Gpt"/> (language-model head) and <see cref="ScalarModel"/>
/// (scalar head): token and position embeddings, the blocks, and the final LayerNorm.</summary>
/// <remarks>Positions come from the attention mask, not from the column index: a row's first real token is
/// position 0 however much left padding precedes it, so a left-padded prompt reads exactly as the same
/// prompt alone. Padded keys are masked out of attention.</remarks>
public sealed class GptTrunk : nn.Module
{
    [ComponentName(Name = "wte")]
    private readonly Embedding _tokenEmbedding;
    [ComponentName(Name = "wpe")]
    private readonly Embedding _positionEmbedding;
    [ComponentName(Name = "drop")]
    private readonly Dropout _dropout;
    [ComponentName(Name = "h")]
    private readonly ModuleList<Block> _blocks;
    [ComponentName(Name = "ln_f")]
    private readonly LayerNorm _finalNorm;

    public GptTrunk(GptConfig config) : base("transformer")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _tokenEmbedding = nn.Embedding(config.VocabSize, config.Width);
        _positionEmbedding = nn.Embedding(config.ContextLength, config.Width);
        _dropout = nn.Dropout(config.Dropout);
        _blocks = new ModuleList<Block>(Enumerable.Range(0, config.Layers).Select(_ => new Block(config)).ToArray());
        _finalNorm = nn.LayerNorm(config.Width);
        RegisterComponents();
    }

    public GptConfig Config { get; }

    /// <summary>Where the weights live (inputs must be created there).</summary>
    public Device Device
    {
        get
        {
            // Reading a module's weight makes a new tensor handle; the scope releases it.
            using var scope = NewDisposeScope();
            return _tokenEmbedding.weight!.device;
        }
    }

    /// <summary>The token embedding matrix (V, C), which a tied language-model head reuses. A new handle on
    /// every read: call inside a dispose scope.</summary>
    internal Tensor TokenEmbeddingWeight => _tokenEmbedding.weight!;

    /// <summary>Hidden states after <c>ln_f</c>.</summary>
    /// <param name="tokens">(B, T) token ids.</param>
    /// <param name="attentionMask">(B, T), nonzero for real tokens and zero for padding; null means all real.</param>
    /// <param name="cache">When given, <paramref name="tokens"/> continue the cached sequence and are appended to it.</param>
    /// <returns>(B, T, C).</returns>
    public Tensor Forward(Tensor tokens, Tensor? attentionMask = null, KvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.dim() != 2)
        {
            throw new ArgumentException($"tokens must be (B, T); got shape ({string.Join(", ", tokens.shape)}).", nameof(tokens));
        }

        var (batch, time) = (tokens.shape[0], tokens.shape[1]);
        var past = cache?.Length ?? 0;
        if (cache is null && time > Config.ContextLength)
        {
            throw new ArgumentException($"{time} tokens exceed the context length {Config.ContextLength}.", nameof(tokens));
        }

        using var scope = NewDisposeScope();
        var (lowest, highest) = (tokens.min().item<long>(), tokens.max().item<long>());
        if (lowest < 0 || highest >= Config.VocabSize)
        {
            throw new ArgumentException($"token ids must lie in 0 … {Config.VocabSize - 1} (got {lowest} … {highest}); was the prompt encoded with this model's tokenizer?", nameof(tokens));
        }

        var device = tokens.device;
        var newMask = attentionMask is null ? ones(batch, time, ScalarType.Bool, device) : attentionMask.ne(0);
        Tensor keyMask, positions;                                            // (B, S), (B, T)
        if (cache is null)
        {
            keyMask = newMask;
            positions = newMask.cumsum(1, ScalarType.Int64) - 1;
        }
        else
        {
            (keyMask, var realBefore) = cache.Append(newMask);
            positions = realBefore + newMask.cumsum(1, ScalarType.Int64) - 1;
        }

        // Padding before the first real token would get position −1; it is masked anyway, so clamp to 0.
        positions = positions.clamp_min(0);

        // allowed[b, 0, t, s]: key s is a real token at or before query t. The diagonal is always allowed so
        // that a padding query (whose keys are all padding) still has one key and softmax stays finite.
        var queryIndex = arange(past, past + time, device: device).unsqueeze(1);          // (T, 1)
        var keyIndex = arange(0, past + time, device: device).unsqueeze(0);               // (1, S)
        var allowed = (keyIndex <= queryIndex).unsqueeze(0).unsqueeze(0)
                      .logical_and(keyMask.unsqueeze(1).unsqueeze(2))
                      .logical_or((keyIndex == queryIndex).unsqueeze(0).unsqueeze(0));     // (B, 1, T, S)

        var x = _dropout.forward(_tokenEmbedding.forward(tokens) + _positionEmbedding.forward(positions)); // (B, T, C)
        for (var layer = 0; layer < _blocks.Count; layer++)
        {
            x = _blocks[layer].Forward(x, allowed, cache, layer);
        }

        cache?.Advance((int)time);
        return _finalNorm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Hidden states after <c>ln_f</c> for one new token per slot in use of <paramref name="cache"/>, each
    /// continuing its own slot's sequence (its position is the slot's length).</summary>
    /// <param name="tokens">(Count, 1) token ids, row i for slot i.</param>
    /// <param name="cache">The slots; each grows by one token.</param>
    /// <returns>(Count, 1, C).</returns>
    public Tensor Decode(Tensor tokens, SlotKvCache cache)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(cache);
        if (tokens.dim() != 2 || tokens.size(0) != cache.Count || tokens.size(1) != 1)
        {
            throw new ArgumentException($"tokens must be ({cache.Count}, 1), one per slot in use; got ({string.Join(", ", tokens.shape)}).", nameof(tokens));
        }

        return DecodeStep(tokens, null, cache);
    }

    /// <summary>Hidden states after <c>ln_f</c> for <paramref name="counts"/>[s] new tokens in each slot s in use of
    /// <paramref name="cache"/>, each slot's continuing its own sequence in order: tokens whose next ones are known
    /// without a draw go through in one step.</summary>
    /// <param name="tokens">(1, N): slot 0's tokens, then slot 1's, …; N the counts summed.</param>
    /// <param name="counts">Tokens per slot in use, each at least 1.</param>
    /// <param name="cache">The slots; each grows by its count.</param>
    /// <returns>(1, N, C).</returns>
    public Tensor Decode(Tensor tokens, int[] counts, SlotKvCache cache)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(cache);
        if (counts.Length != cache.Count || counts.Any(c => c < 1) || tokens.dim() != 2 || tokens.size(0) != 1 || tokens.size(1) != counts.Sum())
        {
            throw new ArgumentException(
                $"tokens must be (1, N) with a count of at least 1 for each of the {cache.Count} slots in use, N their sum; got ({string.Join(", ", tokens.shape)}) and [{string.Join(", ", counts)}].",
                nameof(tokens));
        }

        return DecodeStep(tokens, counts, cache);
    }

    private Tensor DecodeStep(Tensor tokens, int[]? counts, SlotKvCache cache)
    {
        using var scope = NewDisposeScope();
        var positions = cache.BeginStep(tokens.device, counts);                                       // as tokens
        var completed = false;
        try
        {
            var x = _dropout.forward(_tokenEmbedding.forward(tokens).Plus(_positionEmbedding.forward(positions))); // (Count, 1, C) or (1, N, C)
            for (var layer = 0; layer < _blocks.Count; layer++)
            {
                x = _blocks[layer].Forward(x, allowed: null, cache, layer); // the cache masks by itself
            }

            completed = true;
            return _finalNorm.forward(x).MoveToOuterDisposeScope();
        }
        finally
        {
            cache.EndStep(completed);
        }
    }

    /// <summary>The blocks' linear layers multiply with copies of their weights of type <paramref name="type"/> while not
    /// training (null: with their own); see <see cref="Gpt.UseInferencePrecision"/>.</summary>
    internal void Reduce(ScalarType? type)
    {
        foreach (var block in _blocks)
        {
            block.Reduce(type);
        }
    }

    /// <summary>The blocks' reduced copies in use (none in fp32).</summary>
    internal IEnumerable<ReducedLinear> Reduced => _blocks.SelectMany(b => b.Reduced);

    /// <summary>GPT-2 initialisation: N(0, 0.02) weights, zero biases, residual projections scaled by 1/√(2·Layers).</summary>
    internal void Initialise(Generator? generator = null)
    {
        using var noGrad = no_grad();
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("ln_", StringComparison.Ordinal))
            {
                continue; // LayerNorm keeps weight 1, bias 0; Linear biases below.
            }

            // Tensor.normal_ rather than nn.init.normal_, which ignores its generator in TorchSharp 0.107.
            parameter.normal_(0.0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02, generator);
        }

        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("ln_", StringComparison.Ordinal))
            {
                nn.init.zeros_(parameter);
            }
        }
    }
}
