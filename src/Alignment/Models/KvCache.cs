using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>Keys and values of every layer for the tokens already seen, so that one generation step
/// runs attention for the new token only. The buffers are allocated once at full size and filled in
/// place (growing them with <c>torch.cat</c> every step copies the whole cache each time).</summary>
/// <remarks>Owned by the caller and disposed after generation; its tensors live outside every dispose
/// scope. Also holds the key mask (which cached positions are real tokens rather than left padding).</remarks>
public sealed class KvCache : IKeyValueStore, IDisposable
{
    private readonly Tensor[] _keys;   // per layer (B, H, Capacity, D)
    private readonly Tensor[] _values; // per layer (B, H, Capacity, D)
    private Tensor _keyMask;           // (B, Capacity) bool: true where the position holds a real token

    public KvCache(GptConfig config, int batch, int capacity, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        device ??= CPU;
        Capacity = capacity;
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (var i = 0; i < config.Layers; i++)
        {
            _keys[i] = zeros(batch, config.Heads, capacity, config.HeadWidth, device: device).DetachFromDisposeScope();
            _values[i] = zeros(batch, config.Heads, capacity, config.HeadWidth, device: device).DetachFromDisposeScope();
        }

        _keyMask = zeros(batch, capacity, ScalarType.Bool, device).DetachFromDisposeScope();
    }

    /// <summary>Positions allocated per row.</summary>
    public int Capacity { get; }

    /// <summary>Positions filled so far (the same for every row: padding counts as a position).</summary>
    public int Length { get; private set; }

    /// <summary>Writes the new tokens' key mask at [Length, Length + T) and returns the mask of all keys
    /// (B, Length + T) and the number of real tokens before the new ones (B, 1).</summary>
    internal (Tensor KeyMask, Tensor RealBefore) Append(Tensor newMask)
    {
        var count = (int)newMask.shape[1];
        if (newMask.shape[0] != _keyMask.shape[0])
        {
            throw new ArgumentException($"the cache holds {_keyMask.shape[0]} rows, the input has {newMask.shape[0]}.", nameof(newMask));
        }

        if (Length + count > Capacity)
        {
            throw new InvalidOperationException($"KV cache is full: {Length} + {count} positions > capacity {Capacity}.");
        }

        _keyMask.narrow(1, Length, count).copy_(newMask);
        var realBefore = _keyMask.narrow(1, 0, Length).sum(1, keepdim: true, type: ScalarType.Int64);
        return (_keyMask.narrow(1, 0, Length + count), realBefore);
    }

    /// <summary>Stores layer <paramref name="layer"/>'s keys and values for the new tokens, (B, H, T, D) each,
    /// and returns views of all keys and values so far, (B, H, Length + T, D).</summary>
    internal (Tensor Keys, Tensor Values) Store(int layer, Tensor k, Tensor v)
    {
        var count = (int)k.shape[2];
        _keys[layer].narrow(2, Length, count).copy_(k);
        _values[layer].narrow(2, Length, count).copy_(v);
        return (_keys[layer].narrow(2, 0, Length + count), _values[layer].narrow(2, 0, Length + count));
    }

    Tensor IKeyValueStore.Attend(int layer, Tensor q, Tensor k, Tensor v, Tensor? allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        var (keys, values) = Store(layer, k, v);                               // (B, H, S, D)
        return nn.functional.scaled_dot_product_attention(q, keys, values, allowed);
    }

    /// <summary>Layer <paramref name="layer"/>'s key and value buffers, (B, H, Capacity, D) each (for copying a
    /// prefilled row elsewhere, as <see cref="SlotKvCache.Add"/> does).</summary>
    internal (Tensor Keys, Tensor Values) Layer(int layer) => (_keys[layer], _values[layer]);

    /// <summary>Sequences held.</summary>
    internal int Rows => (int)_keyMask.shape[0];

    /// <summary>Layers held.</summary>
    internal int Layers => _keys.Length;

    /// <summary>Fills positions [0, <paramref name="length"/>) of every row with the given keys and values (per layer,
    /// (1 or B, H, ≥ length, D)) as real tokens, and continues from there: an empty cache takes a prefix computed
    /// before (<see cref="Generation.PrefixCache"/>).</summary>
    internal void Preload(IReadOnlyList<Tensor> keys, IReadOnlyList<Tensor> values, int length)
    {
        if (Length != 0 || length <= 0 || length > Capacity || keys.Count != _keys.Length || values.Count != _values.Length)
        {
            throw new InvalidOperationException($"a prefix of {length} positions over {keys.Count} layers does not fit this cache ({Length} used of {Capacity}, {_keys.Length} layers).");
        }

        using var scope = NewDisposeScope();
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer].narrow(2, 0, length).copy_(keys[layer].narrow(2, 0, length));
            _values[layer].narrow(2, 0, length).copy_(values[layer].narrow(2, 0, length));
        }

        _keyMask.narrow(1, 0, length).fill_(true);
        Length = length;
    }

    /// <summary>Called once per forward pass, after every layer has stored its keys and values.</summary>
    internal void Advance(int count) => Length += count;

    /// <summary>Keeps rows <paramref name="rows"/> (int64, new row i = old row rows[i]; a row may repeat): copies
    /// one prefilled prompt to all its samples, or drops rows that finished generating.</summary>
    internal void SelectRows(Tensor rows)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = Replace(_keys[i], _keys[i].index_select(0, rows));
            _values[i] = Replace(_values[i], _values[i].index_select(0, rows));
        }

        _keyMask = Replace(_keyMask, _keyMask.index_select(0, rows));
    }

    private static Tensor Replace(Tensor old, Tensor selected)
    {
        old.Dispose();
        return selected.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values).Append(_keyMask))
        {
            t.Dispose();
        }
    }
}
