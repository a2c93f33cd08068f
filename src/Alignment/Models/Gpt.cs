using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoopAgent.Alignment.Models;

/// <summary>Decoder-only, pre-LayerNorm GPT: <see cref="GptTrunk"/> (<c>transformer.wte wpe h ln_f</c>) and a
/// language-model head (<c>lm_head</c>, or the token embedding itself when <see cref="GptConfig.TieWeights"/>).</summary>
public sealed class Gpt : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = "transformer")]
    private readonly GptTrunk _trunk;
    [ComponentName(Name = "lm_head")]
    private readonly Linear? _head; // null when tied: logits = h · wteᵀ
    private ReducedLinear? _headReduced; // the head's weights in the inference precision, when not fp32

    /// <param name="config">Model shape.</param>
    /// <param name="generator">Random source for the initial weights (seeded runs); the global one when null.</param>
    public Gpt(GptConfig config, Generator? generator = null) : base("gpt")
    {
        _trunk = new GptTrunk(config);
        _head = config.TieWeights ? null : nn.Linear(config.Width, config.VocabSize, hasBias: false);
        RegisterComponents();
        _trunk.Initialise(generator);
        if (_head is not null)
        {
            using var noGrad = no_grad();
            _head.weight!.normal_(0.0, 0.02, generator);
        }
    }

    public GptConfig Config => _trunk.Config;

    /// <summary>How the model computes while not training (<see cref="UseInferencePrecision"/>); 32-bit at first.</summary>
    public InferencePrecision Precision { get; private set; }

    /// <summary>The shared transformer, for <see cref="ScalarModel.InitialiseFrom(Gpt)"/>.</summary>
    public GptTrunk Trunk => _trunk;

    /// <summary>Next-token logits.</summary>
    /// <param name="tokens">(B, T) token ids, prompts left-padded.</param>
    /// <param name="attentionMask">(B, T), nonzero for real tokens; null means no padding.</param>
    /// <returns>(B, T, V): row t scores the token at t + 1.</returns>
    public override Tensor forward(Tensor tokens, Tensor? attentionMask) => forward(tokens, attentionMask, null);

    /// <summary>As <see cref="forward(Tensor, Tensor?)"/>, continuing and extending <paramref name="cache"/>:
    /// <paramref name="tokens"/> (B, T) are the tokens after the cached ones, <paramref name="attentionMask"/> their mask.</summary>
    public Tensor forward(Tensor tokens, Tensor? attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = _trunk.Forward(tokens, attentionMask, cache);               // (B, T, C)
        return Head(hidden).MoveToOuterDisposeScope();                          // (B, T, V)
    }

    /// <summary>As <see cref="forward(Tensor, Tensor?, KvCache?)"/>, but only row b's logits at position
    /// <paramref name="positions"/>[b] (a prompt's last token, to draw what follows it): the head, a product with the
    /// whole vocabulary, runs on those alone.</summary>
    /// <returns>(B, V).</returns>
    public Tensor forward(Tensor tokens, Tensor? attentionMask, KvCache? cache, long[] positions)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(positions);
        var (rows, width) = (tokens.size(0), tokens.size(1));
        if (positions.Length != rows || positions.Any(p => p < 0 || p >= width))
        {
            throw new ArgumentException($"one position in [0, {width}) per row of the {rows}; got [{string.Join(", ", positions)}].", nameof(positions));
        }

        using var scope = NewDisposeScope();
        var hidden = _trunk.Forward(tokens, attentionMask, cache);               // (B, T, C)
        var flat = new long[rows];
        for (var b = 0; b < rows; b++)
        {
            flat[b] = (b * width) + positions[b];
        }

        var picked = hidden.reshape(rows * width, hidden.size(2)).index_select(0, tensor(flat, device: hidden.device)); // (B, C)
        return Head(picked).MoveToOuterDisposeScope();                          // (B, V)
    }

    /// <summary>Next-token logits for one new token per slot in use of <paramref name="cache"/> (see
    /// <see cref="GptTrunk.Decode(Tensor, SlotKvCache)"/>): continuous batching, where sequences join and leave between steps.</summary>
    /// <param name="tokens">(Count, 1): slot i's newest token in row i.</param>
    /// <param name="cache">The slots; each grows by one token.</param>
    /// <returns>(Count, V).</returns>
    public Tensor Decode(Tensor tokens, SlotKvCache cache)
    {
        using var scope = NewDisposeScope();
        return Head(_trunk.Decode(tokens, cache)).select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Next-token logits after <paramref name="counts"/>[s] new tokens in each slot s in use of
    /// <paramref name="cache"/> (see <see cref="GptTrunk.Decode(Tensor, int[], SlotKvCache)"/>): each slot's logits
    /// after its last token; the head runs on those alone.</summary>
    /// <param name="tokens">(1, N): slot 0's tokens, then slot 1's, …</param>
    /// <param name="counts">Tokens per slot in use.</param>
    /// <param name="cache">The slots; each grows by its count.</param>
    /// <returns>(Count, V).</returns>
    public Tensor Decode(Tensor tokens, int[] counts, SlotKvCache cache)
    {
        ArgumentNullException.ThrowIfNull(counts);
        using var scope = NewDisposeScope();
        var hidden = _trunk.Decode(tokens, counts, cache);                      // (1, N, C)
        var last = new long[counts.Length];
        for (int s = 0, end = 0; s < counts.Length; s++)
        {
            end += counts[s];
            last[s] = end - 1;
        }

        return Head(hidden.squeeze(0).index_select(0, tensor(last, device: hidden.device))).MoveToOuterDisposeScope();
    }

    /// <summary>From now on computes in <paramref name="precision"/> (see <see cref="InferencePrecision"/>): the linear
    /// layers multiply with copies of their weights taken now, so call it on a model that is done training (a served
    /// policy), and again after any change to its weights. Any precision but fp32 puts the model in eval mode, and it
    /// refuses to train until it is back in fp32.</summary>
    public void UseInferencePrecision(InferencePrecision precision)
    {
        ScalarType? type = precision == InferencePrecision.Fp32 ? null : precision.TensorType();
        using (var scope = NewDisposeScope())
        {
            // The new copies first: if making them fails, the old ones still serve.
            var head = type is { } t ? (_head is null ? new ReducedLinear(_trunk.TokenEmbeddingWeight, null, t) : ReducedLinear.Of(_head, t)) : null;
            _trunk.Reduce(type);
            _headReduced?.Dispose();
            _headReduced = head;
        }

        Precision = precision;
        if (precision != InferencePrecision.Fp32)
        {
            // Inference only: out of training mode, for good (see train).
            base.train(false);
        }

        // oneDNN builds a kernel per new shape (~1.3 ms each in bf16): the first block's layers and the head stand for
        // every block (kernels are kept by shape), for every row count a decoding step (up to 64) or prefill of up to
        // four full contexts can have.
        foreach (var reduced in _trunk.Reduced.Take(4).Append(_headReduced).OfType<ReducedLinear>())
        {
            reduced.WarmUp(mostRows: 4L * Config.ContextLength);
        }
    }

    /// <summary>Training needs the model's own weights in every product: a model computing in another precision for
    /// inference refuses to train (its copies would go stale); load it afresh, or go back to fp32 first.</summary>
    public override void train(bool train = true)
    {
        if (train && Precision != InferencePrecision.Fp32)
        {
            throw new InvalidOperationException($"this model computes in {Precision.Name()} for inference and cannot be trained; call UseInferencePrecision(Fp32) first, or train a freshly loaded copy.");
        }

        base.train(train);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            UseInferencePrecision(InferencePrecision.Fp32);
        }

        base.Dispose(disposing);
    }

    private Tensor Head(Tensor hidden) => _headReduced is { } reduced && !training ? reduced.Apply(hidden)
        : _head is null ? F.linear(hidden, _trunk.TokenEmbeddingWeight) : _head.forward(hidden);
}
