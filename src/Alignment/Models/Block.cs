using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoopAgent.Alignment.Models;

/// <summary>Multi-head causal self-attention over the new tokens and, when a cache is given, the cached ones.</summary>
internal sealed class CausalSelfAttention : nn.Module
{
    [ComponentName(Name = "c_attn")]
    private readonly Linear _qkv;
    [ComponentName(Name = "c_proj")]
    private readonly Linear _projection;
    [ComponentName(Name = "resid_drop")]
    private readonly Dropout _residualDropout;
    private readonly int _heads;
    private readonly double _dropout;
    private ReducedLinear? _qkvReduced;
    private ReducedLinear? _projectionReduced;

    public CausalSelfAttention(GptConfig config) : base("attn")
    {
        _heads = config.Heads;
        _dropout = config.Dropout;
        _qkv = nn.Linear(config.Width, 3 * config.Width);
        _projection = nn.Linear(config.Width, config.Width);
        _residualDropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    /// <param name="x">(B, T, C) normalised input.</param>
    /// <param name="allowed">(B, 1, T, S) bool: query t may attend key s (causal, not padding); null only with a cache
    /// that masks by itself (<see cref="SlotKvCache"/>).</param>
    /// <param name="cache">Cache to append to and read from, or null to attend only within <paramref name="x"/>.</param>
    /// <param name="layer">This block's index in the cache.</param>
    public Tensor Forward(Tensor x, Tensor? allowed, IKeyValueStore? cache, int layer)
    {
        var (batch, time, width) = (x.size(0), x.size(1), x.size(2));
        // (B, T, 3C) cut with narrow, not split: split leaves garbage for the finalizer (TensorOps).
        var qkv = Linear(_qkv, _qkvReduced, x);
        var q = qkv.narrow(2, 0, width).view(batch, time, _heads, width / _heads).transpose(1, 2);         // (B, H, T, D)
        var k = qkv.narrow(2, width, width).view(batch, time, _heads, width / _heads).transpose(1, 2);
        var v = qkv.narrow(2, 2 * width, width).view(batch, time, _heads, width / _heads).transpose(1, 2);
        // softmax(q kᵀ / √D + mask) v, with the mask as a boolean "may attend" tensor. A cache attends over what it
        // holds as well; caches serve generation only, so they take no dropout.
        var y = cache is null
            ? F.scaled_dot_product_attention(q, k, v, allowed, p: training ? _dropout : 0.0)
            : cache.Attend(layer, q, k, v, allowed);                           // (B, H, T, D)
        y = y.transpose(1, 2).contiguous().view(batch, time, width);          // (B, T, C)
        return _residualDropout.forward(Linear(_projection, _projectionReduced, y));
    }

    /// <summary>Multiplies with weights of type <paramref name="type"/> from now on (null: the module's own).</summary>
    public void Reduce(ScalarType? type)
    {
        (_qkvReduced, _projectionReduced) = Block.Swap((_qkvReduced, _projectionReduced), type, _qkv, _projection);
    }

    /// <summary>The reduced copies in use (none in fp32).</summary>
    public IEnumerable<ReducedLinear> Reduced => new[] { _qkvReduced, _projectionReduced }.OfType<ReducedLinear>();

    /// <summary>The layer, through its reduced copy while not training.</summary>
    private Tensor Linear(Linear layer, ReducedLinear? reduced, Tensor x) => reduced is null || training ? layer.forward(x) : reduced.Apply(x);
}

/// <summary>The position-wise feed-forward network: Linear(C, 4C) → GELU → Linear(4C, C).</summary>
internal sealed class Mlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "c_fc")]
    private readonly Linear _expand;
    [ComponentName(Name = "c_proj")]
    private readonly Linear _projection;
    [ComponentName(Name = "drop")]
    private readonly Dropout _dropout;

    private ReducedLinear? _expandReduced;
    private ReducedLinear? _projectionReduced;

    public Mlp(GptConfig config) : base("mlp")
    {
        _expand = nn.Linear(config.Width, 4 * config.Width);
        _projection = nn.Linear(4 * config.Width, config.Width);
        _dropout = nn.Dropout(config.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _expandReduced is { } expand && _projectionReduced is { } project && !training
        ? project.Apply(F.gelu(expand.Apply(x)))
        : _dropout.forward(_projection.forward(F.gelu(_expand.forward(x))));

    /// <summary>Multiplies with weights of type <paramref name="type"/> from now on (null: the module's own).</summary>
    public void Reduce(ScalarType? type)
    {
        (_expandReduced, _projectionReduced) = Block.Swap((_expandReduced, _projectionReduced), type, _expand, _projection);
    }

    /// <summary>The reduced copies in use (none in fp32).</summary>
    public IEnumerable<ReducedLinear> Reduced => new[] { _expandReduced, _projectionReduced }.OfType<ReducedLinear>();
}

/// <summary>One pre-LayerNorm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(x)).</summary>
internal sealed class Block : nn.Module
{
    [ComponentName(Name = "ln_1")]
    private readonly LayerNorm _attentionNorm;
    [ComponentName(Name = "attn")]
    private readonly CausalSelfAttention _attention;
    [ComponentName(Name = "ln_2")]
    private readonly LayerNorm _mlpNorm;
    [ComponentName(Name = "mlp")]
    private readonly Mlp _mlp;

    public Block(GptConfig config) : base("block")
    {
        _attentionNorm = nn.LayerNorm(config.Width);
        _attention = new CausalSelfAttention(config);
        _mlpNorm = nn.LayerNorm(config.Width);
        _mlp = new Mlp(config);
        RegisterComponents();
    }

    /// <summary>The linear layers multiply with copies of their weights of type <paramref name="type"/> while not training
    /// (null: with their own weights again); see <see cref="InferencePrecision"/>.</summary>
    public void Reduce(ScalarType? type)
    {
        _attention.Reduce(type);
        _mlp.Reduce(type);
    }

    /// <summary>The reduced copies in use (none in fp32).</summary>
    public IEnumerable<ReducedLinear> Reduced => _attention.Reduced.Concat(_mlp.Reduced);

    /// <summary>Makes copies of <paramref name="first"/> and
    /// <paramref name="second"/> when <paramref name="type"/> is given, then disposes the <paramref name="old"/> ones.</summary>
    internal static (ReducedLinear? First, ReducedLinear? Second) Swap((ReducedLinear? First, ReducedLinear? Second) old, ScalarType? type, Linear first, Linear second)
    {
        // The new copies first: if making them fails, the old ones still serve.
        var made = type is { } t ? (ReducedLinear.Of(first, t), ReducedLinear.Of(second, t)) : ((ReducedLinear?)null, (ReducedLinear?)null);
        old.First?.Dispose();
        old.Second?.Dispose();
        return made;
    }

    public Tensor Forward(Tensor x, Tensor? allowed, IKeyValueStore? cache, int layer)
    {
        x = x.Plus(_attention.Forward(_attentionNorm.forward(x), allowed, cache, layer));
        return x.Plus(_mlp.forward(_mlpNorm.forward(x)));
    }
}
