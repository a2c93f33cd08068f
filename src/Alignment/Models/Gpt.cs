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

    /// <summary>Next-token logits for one new token per slot in use of <paramref name="cache"/> (see
    /// <see cref="GptTrunk.Decode"/>): continuous batching, where sequences join and leave between steps.</summary>
    /// <param name="tokens">(Count, 1): slot i's newest token in row i.</param>
    /// <param name="cache">The slots; each grows by one token.</param>
    /// <returns>(Count, V).</returns>
    public Tensor Decode(Tensor tokens, SlotKvCache cache)
    {
        using var scope = NewDisposeScope();
        return Head(_trunk.Decode(tokens, cache)).select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>From now on, while not training, computes in <paramref name="precision"/> (see
    /// <see cref="InferencePrecision"/>): the linear layers multiply with copies of their weights taken now, so call it
    /// on a model that is done training (a served policy), and again after any change to its weights.</summary>
    public void UseInferencePrecision(InferencePrecision precision)
    {
        ScalarType? type = precision == InferencePrecision.Fp32 ? null : precision.TensorType();
        _trunk.Reduce(type);
        _headReduced?.Dispose();
        using (var scope = NewDisposeScope())
        {
            _headReduced = type is { } t ? (_head is null ? new ReducedLinear(_trunk.TokenEmbeddingWeight, null, t) : ReducedLinear.Of(_head, t)) : null;
        }

        Precision = precision;
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
