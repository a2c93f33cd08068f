using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>
/// Keys and values of many independent sequences decoded together, one <em>slot</em> each, every slot with its own
/// length: sequences join (<see cref="Add"/>) and leave (<see cref="Remove"/>) between decoding steps without
/// moving the others, and no slot carries padding. The buffers are allocated once at full size and reused, so a
/// long-running batch allocates nothing per step (copying a whole <see cref="KvCache"/> into fresh memory to add
/// or drop rows cost as much as a decoding step).
/// </summary>
/// <remarks>Slots in use are always 0 … <see cref="Count"/> − 1 (removing one moves the last into its place), so a
/// step reads them as one contiguous batch. Owned by one thread; its tensors live outside every dispose scope.</remarks>
public sealed class SlotKvCache : IKeyValueStore, IDisposable
{
    private readonly Tensor[] _keys;   // per layer (Slots, H, Capacity, D)
    private readonly Tensor[] _values; // per layer (Slots, H, Capacity, D)
    private readonly int[] _lengths;
    private Tensor? _writeAt;          // during a step: (Count, H, 1, D) int64, each slot's length
    private int _stepWidth;            // during a step: the longest slot + 1

    /// <param name="config">The model's shape; each slot holds up to its context length.</param>
    /// <param name="slots">Most sequences at once.</param>
    /// <param name="device">Where the buffers live (the model's device).</param>
    public SlotKvCache(GptConfig config, int slots, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        device ??= CPU;
        Slots = slots;
        Capacity = config.ContextLength;
        _lengths = new int[slots];
        _keys = new Tensor[config.Layers];
        _values = new Tensor[config.Layers];
        for (var i = 0; i < config.Layers; i++)
        {
            // Zeros, not empty: a slot's unused positions are masked out of attention, but 0 · NaN would still be NaN.
            _keys[i] = zeros(slots, config.Heads, Capacity, config.HeadWidth, device: device).DetachFromDisposeScope();
            _values[i] = zeros(slots, config.Heads, Capacity, config.HeadWidth, device: device).DetachFromDisposeScope();
        }
    }

    /// <summary>Most sequences at once.</summary>
    public int Slots { get; }

    /// <summary>Most positions per slot (the model's context length).</summary>
    public int Capacity { get; }

    /// <summary>Slots in use: 0 … Count − 1.</summary>
    public int Count { get; private set; }

    /// <summary>Tokens held in <paramref name="slot"/>.</summary>
    public int LengthOf(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        return _lengths[slot];
    }

    /// <summary>Takes <paramref name="copies"/> free slots for sequences whose keys and values are positions
    /// [<paramref name="from"/>, <paramref name="from"/> + <paramref name="length"/>) of row <paramref name="row"/> of
    /// <paramref name="source"/> (a prefilled prompt, copied to each of its samples; left padding before
    /// <paramref name="from"/> is not copied).</summary>
    /// <returns>The first of the new slots (they are the last ones in use).</returns>
    public int Add(KvCache source, int row, int from, int length, int copies = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (copies < 1 || Count + copies > Slots)
        {
            throw new InvalidOperationException($"{copies} more slots do not fit: {Count} of {Slots} are in use.");
        }

        if (length <= 0 || length >= Capacity || from < 0 || from + length > source.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"positions {from} … {from + length} do not fit the source ({source.Length}) or leave no room in a slot ({Capacity}).");
        }

        using var scope = NewDisposeScope();
        var first = Count;
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            var (keys, values) = source.Layer(layer);
            // copy_ broadcasts the one source row over the new slots.
            _keys[layer].narrow(0, first, copies).narrow(2, 0, length).copy_(keys.narrow(0, row, 1).narrow(2, from, length));
            _values[layer].narrow(0, first, copies).narrow(2, 0, length).copy_(values.narrow(0, row, 1).narrow(2, from, length));
        }

        Array.Fill(_lengths, length, first, copies);
        Count += copies;
        return first;
    }

    /// <summary>Frees <paramref name="slot"/>: the last slot in use moves into it.</summary>
    /// <returns>The slot that moved into <paramref name="slot"/> (its old index), or −1 when it was the last.</returns>
    public int Remove(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        var last = Count - 1;
        Count--;
        if (slot == last)
        {
            return -1;
        }

        using var scope = NewDisposeScope();
        var length = _lengths[last];
        for (var layer = 0; layer < _keys.Length; layer++)
        {
            _keys[layer][slot].narrow(1, 0, length).copy_(_keys[layer][last].narrow(1, 0, length));
            _values[layer][slot].narrow(1, 0, length).copy_(_values[layer][last].narrow(1, 0, length));
        }

        _lengths[slot] = length;
        return last;
    }

    /// <summary>Starts a step of one new token per slot in use: returns each slot's position (Count, 1) and which
    /// cached positions each slot's new token may attend to, (Count, 1, 1, S) bool with S the longest slot + 1.</summary>
    internal (Tensor Positions, Tensor Allowed) BeginStep(Device device, int heads, int headWidth)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no slot is in use.");
        }

        if (_lengths.Take(Count).Any(l => l >= Capacity))
        {
            throw new InvalidOperationException($"a slot is full ({Capacity} positions).");
        }

        var lengths = tensor(_lengths.Take(Count).Select(l => (long)l).ToArray(), device: device).unsqueeze(1); // (Count, 1)
        _stepWidth = _lengths.Take(Count).Max() + 1;
        _writeAt = lengths.view(Count, 1, 1, 1).expand(Count, heads, 1, headWidth);
        var allowed = arange(0, _stepWidth, device: device).unsqueeze(0) <= lengths;                          // (Count, S)
        return (lengths, allowed.unsqueeze(1).unsqueeze(2));
    }

    /// <summary>Writes each slot's new key and value (Count, H, 1, D) at its own length and returns all keys and values
    /// up to the longest slot, (Count, H, S, D); positions past a slot's length are masked by <see cref="BeginStep"/>.</summary>
    (Tensor Keys, Tensor Values) IKeyValueStore.Store(int layer, Tensor k, Tensor v)
    {
        if (_writeAt is null || k.shape[2] != 1)
        {
            throw new InvalidOperationException("a slot cache takes one token per slot, inside a step.");
        }

        var keys = _keys[layer].narrow(0, 0, Count);
        var values = _values[layer].narrow(0, 0, Count);
        keys.scatter_(2, _writeAt, k);
        values.scatter_(2, _writeAt, v);
        return (keys.narrow(2, 0, _stepWidth), values.narrow(2, 0, _stepWidth));
    }

    /// <summary>Ends a step: every slot in use is one token longer.</summary>
    internal void EndStep()
    {
        for (var slot = 0; slot < Count; slot++)
        {
            _lengths[slot]++;
        }

        _writeAt = null; // owned by the step's dispose scope
    }

    public void Dispose()
    {
        foreach (var t in _keys.Concat(_values))
        {
            t.Dispose();
        }
    }
}
