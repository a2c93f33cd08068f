using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>
/// Keys and values of many independent sequences decoded together, one <em>slot</em> each, every slot with its own
/// length: sequences join (<see cref="Add"/>) and leave (<see cref="Remove"/>) between decoding steps without
/// moving the others, and no slot carries padding. Sequences that join together from one prompt (a call's samples)
/// form a <em>group</em> that holds the prompt's keys and values once; each slot holds only the tokens generated
/// after it. The buffers are allocated once at full size and reused, so a long-running batch allocates nothing per
/// step (copying a whole <see cref="KvCache"/> into fresh memory to add or drop rows cost as much as a decoding step).
/// </summary>
/// <remarks>
/// Why groups: with a copy of the prompt per slot, a step of 64 slots (8 calls of 8 samples, prompts of ~150 tokens)
/// read ~84 MB of keys and values, most of a decoding step; sharing reads each prompt once. A step's attention is
/// softmax over [the slot's group prompt ‖ the slot's own tokens]: the queries of a group's slots are laid out in a
/// (groups, widest group) grid so that one batched matmul scores them against their group's prompt.
/// Slots in use are always 0 … <see cref="Count"/> − 1 and groups 0 … <see cref="Groups"/> − 1 (removing one moves
/// the last into its place), so a step reads them as one contiguous batch. Owned by one thread; its tensors live
/// outside every dispose scope.
/// </remarks>
public sealed class SlotKvCache : IKeyValueStore, IDisposable
{
    private readonly Tensor[] _promptKeys;   // per layer (Slots, H, Capacity, D): group g's prompt in row g
    private readonly Tensor[] _promptValues;
    private readonly Tensor[] _ownKeys;      // per layer (Slots, H, Capacity, D): slot s's generated tokens in row s
    private readonly Tensor[] _ownValues;
    private readonly int[] _groupOf;         // per slot: its group
    private readonly int[] _memberOf;        // per slot: its place in its group (0 … the group's size at joining − 1)
    private readonly int[] _ownLengths;      // per slot: tokens stored after the prompt
    private readonly int[] _promptLengths;   // per group
    private readonly int[] _members;         // per group: slots still in it
    private readonly double _scale;
    private Step? _step;

    /// <param name="config">The model's shape; each slot holds up to its context length.</param>
    /// <param name="slots">Most sequences at once (and so most groups).</param>
    /// <param name="device">Where the buffers live (the model's device).</param>
    public SlotKvCache(GptConfig config, int slots, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        device ??= CPU;
        Slots = slots;
        Capacity = config.ContextLength;
        _scale = 1.0 / Math.Sqrt(config.HeadWidth);
        _groupOf = new int[slots];
        _memberOf = new int[slots];
        _ownLengths = new int[slots];
        _promptLengths = new int[slots];
        _members = new int[slots];
        Tensor Buffer() =>
            // Zeros, not empty: unused positions are masked out of attention, but 0 · NaN would still be NaN.
            zeros(slots, config.Heads, Capacity, config.HeadWidth, device: device).DetachFromDisposeScope();
        _promptKeys = [.. Enumerable.Range(0, config.Layers).Select(_ => Buffer())];
        _promptValues = [.. Enumerable.Range(0, config.Layers).Select(_ => Buffer())];
        _ownKeys = [.. Enumerable.Range(0, config.Layers).Select(_ => Buffer())];
        _ownValues = [.. Enumerable.Range(0, config.Layers).Select(_ => Buffer())];
    }

    /// <summary>Most sequences at once.</summary>
    public int Slots { get; }

    /// <summary>Most positions per slot, prompt included (the model's context length).</summary>
    public int Capacity { get; }

    /// <summary>Slots in use: 0 … Count − 1.</summary>
    public int Count { get; private set; }

    /// <summary>Prompts held (one per <see cref="Add"/> with a slot still in use).</summary>
    public int Groups { get; private set; }

    /// <summary>Tokens held for <paramref name="slot"/>: its prompt and what it generated.</summary>
    public int LengthOf(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        return _promptLengths[_groupOf[slot]] + _ownLengths[slot];
    }

    /// <summary>Takes <paramref name="copies"/> free slots for sequences that continue one prompt: positions
    /// [<paramref name="from"/>, <paramref name="from"/> + <paramref name="length"/>) of row <paramref name="row"/> of
    /// <paramref name="source"/> (a prefilled prompt; left padding before <paramref name="from"/> is not copied). The
    /// prompt is stored once, for all of them.</summary>
    /// <returns>The first of the new slots (they are the last ones in use).</returns>
    public int Add(KvCache source, int row, int from, int length, int copies = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (copies < 1 || Count + copies > Slots)
        {
            throw new InvalidOperationException($"{copies} more slots do not fit: {Count} of {Slots} are in use.");
        }

        if (length <= 0 || length >= Capacity || from < 0 || from + length > source.Length || (uint)row >= (uint)source.Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"positions {from} … {from + length} of row {row} do not fit the source ({source.Rows} rows of {source.Length}) or leave no room in a slot ({Capacity}).");
        }

        if (_step is not null)
        {
            throw new InvalidOperationException("slots cannot join during a step.");
        }

        using var scope = NewDisposeScope();
        var group = Groups;
        for (var layer = 0; layer < _promptKeys.Length; layer++)
        {
            var (keys, values) = source.Layer(layer);
            _promptKeys[layer][group].narrow(1, 0, length).copy_(keys[row].narrow(1, from, length));
            _promptValues[layer][group].narrow(1, 0, length).copy_(values[row].narrow(1, from, length));
        }

        _promptLengths[group] = length;
        _members[group] = copies;
        Groups++;
        var first = Count;
        for (var member = 0; member < copies; member++)
        {
            _groupOf[first + member] = group;
            _memberOf[first + member] = member;
            _ownLengths[first + member] = 0;
        }

        Count += copies;
        return first;
    }

    /// <summary>Frees <paramref name="slot"/>: the last slot in use moves into it. A prompt no slot continues any more
    /// is freed too (the last group moves into its place).</summary>
    /// <returns>The slot that moved into <paramref name="slot"/> (its old index), or −1 when it was the last.</returns>
    public int Remove(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        if (_step is not null)
        {
            throw new InvalidOperationException("slots cannot leave during a step.");
        }

        using var scope = NewDisposeScope();
        var group = _groupOf[slot];
        if (--_members[group] == 0)
        {
            RemoveGroup(group);
        }

        var last = Count - 1;
        Count--;
        if (slot == last)
        {
            return -1;
        }

        var length = _ownLengths[last];
        for (var layer = 0; length > 0 && layer < _ownKeys.Length; layer++)
        {
            _ownKeys[layer][slot].narrow(1, 0, length).copy_(_ownKeys[layer][last].narrow(1, 0, length));
            _ownValues[layer][slot].narrow(1, 0, length).copy_(_ownValues[layer][last].narrow(1, 0, length));
        }

        _ownLengths[slot] = length;
        _groupOf[slot] = _groupOf[last];
        _memberOf[slot] = _memberOf[last];
        return last;
    }

    /// <summary>Frees an empty group: the last group moves into it, and its slots follow.</summary>
    private void RemoveGroup(int group)
    {
        var last = Groups - 1;
        Groups--;
        if (group == last)
        {
            return;
        }

        var length = _promptLengths[last];
        for (var layer = 0; layer < _promptKeys.Length; layer++)
        {
            _promptKeys[layer][group].narrow(1, 0, length).copy_(_promptKeys[layer][last].narrow(1, 0, length));
            _promptValues[layer][group].narrow(1, 0, length).copy_(_promptValues[layer][last].narrow(1, 0, length));
        }

        _promptLengths[group] = length;
        _members[group] = _members[last];
        for (var s = 0; s < Count; s++)
        {
            if (_groupOf[s] == last)
            {
                _groupOf[s] = group;
            }
        }
    }

    /// <summary>Starts a step of one new token per slot in use and returns each slot's position (Count, 1). The
    /// step's index and mask tensors belong to the caller's dispose scope and serve every layer.</summary>
    internal Tensor BeginStep(Device device)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no slot is in use.");
        }

        if (Enumerable.Range(0, Count).Any(s => LengthOf(s) >= Capacity))
        {
            throw new InvalidOperationException($"a slot is full ({Capacity} positions).");
        }

        var count = Count;
        var widest = 0;
        var promptWidth = 0;
        var ownWidth = 0;
        for (var s = 0; s < count; s++)
        {
            widest = Math.Max(widest, _memberOf[s] + 1);
            promptWidth = Math.Max(promptWidth, _promptLengths[_groupOf[s]]);
            ownWidth = Math.Max(ownWidth, _ownLengths[s] + 1);
        }

        var promptLengths = new long[count];
        var ownLengths = new long[count];
        var place = new long[count];
        for (var s = 0; s < count; s++)
        {
            promptLengths[s] = _promptLengths[_groupOf[s]];
            ownLengths[s] = _ownLengths[s];
            place[s] = ((long)_groupOf[s] * widest) + _memberOf[s];
        }

        var own = tensor(ownLengths, device: device).unsqueeze(1);                                          // (Count, 1)
        var promptAllowed = arange(0, promptWidth, device: device).unsqueeze(0) < tensor(promptLengths, device: device).unsqueeze(1);
        var ownAllowed = arange(0, ownWidth, device: device).unsqueeze(0) <= own;                           // the new token too
        // Added to the scores: 0 where a slot may look, −∞ where not; (Count, 1, prompt width + own width).
        var mask = zeros(count, promptWidth + ownWidth, device: device)
            .masked_fill(cat([promptAllowed, ownAllowed], 1).logical_not(), double.NegativeInfinity)
            .unsqueeze(1);
        _step = new Step(
            tensor(place, device: device),
            widest,
            promptWidth,
            ownWidth,
            own.view(count, 1, 1, 1),
            mask);
        return tensor(promptLengths, device: device).unsqueeze(1) + own;
    }

    /// <summary>Writes each slot's new key and value (Count, H, 1, D) after its own tokens and attends: the slot's
    /// query against its group's prompt and its own tokens, new one included.</summary>
    Tensor IKeyValueStore.Attend(int layer, Tensor q, Tensor k, Tensor v, Tensor? allowed)
    {
        if (_step is not { } step || k.shape[2] != 1)
        {
            throw new InvalidOperationException("a slot cache takes one token per slot, inside a step.");
        }

        var (count, heads, width) = (Count, q.shape[1], q.shape[3]);
        var writeAt = step.OwnLengths.expand(count, heads, 1, width);
        var ownKeys = _ownKeys[layer].narrow(0, 0, count);
        var ownValues = _ownValues[layer].narrow(0, 0, count);
        ownKeys.scatter_(2, writeAt, k);
        ownValues.scatter_(2, writeAt, v);
        ownKeys = ownKeys.narrow(2, 0, step.OwnWidth);                                                       // (Count, H, So, D)
        ownValues = ownValues.narrow(2, 0, step.OwnWidth);
        var promptKeys = _promptKeys[layer].narrow(0, 0, Groups).narrow(2, 0, step.PromptWidth);            // (G, H, Sp, D)
        var promptValues = _promptValues[layer].narrow(0, 0, Groups).narrow(2, 0, step.PromptWidth);

        var query = q * _scale;                                                                              // (Count, H, 1, D)
        var promptScores = FromGrid(ToGrid(query.squeeze(2), step).matmul(promptKeys.transpose(2, 3)), step); // (Count, H, Sp)
        var ownScores = query.matmul(ownKeys.transpose(2, 3)).squeeze(2);                                    // (Count, H, So)
        var weights = (cat([promptScores, ownScores], 2) + step.Mask).softmax(2);                            // (Count, H, Sp + So)
        var fromPrompt = FromGrid(ToGrid(weights.narrow(2, 0, step.PromptWidth), step).matmul(promptValues), step); // (Count, H, D)
        var fromOwn = weights.narrow(2, step.PromptWidth, step.OwnWidth).unsqueeze(2).matmul(ownValues);      // (Count, H, 1, D)
        return fromOwn + fromPrompt.unsqueeze(2);
    }

    /// <summary>Rows (Count, H, X) laid out as (G, H, widest, X): slot s at [its group, :, its place in the group].</summary>
    private Tensor ToGrid(Tensor rows, Step step)
    {
        var (heads, x) = (rows.shape[1], rows.shape[2]);
        var grid = zeros(Groups * step.Widest, heads, x, dtype: rows.dtype, device: rows.device).index_copy_(0, step.Place, rows);
        return grid.view(Groups, step.Widest, heads, x).transpose(1, 2);
    }

    /// <summary>The inverse of <see cref="ToGrid"/>: (G, H, widest, X) → (Count, H, X).</summary>
    private Tensor FromGrid(Tensor grid, Step step)
    {
        var (heads, x) = (grid.shape[1], grid.shape[3]);
        return grid.transpose(1, 2).reshape(Groups * step.Widest, heads, x).index_select(0, step.Place);
    }

    /// <summary>Ends a step: when it <paramref name="completed"/>, every slot in use is one token longer; a step that
    /// failed part-way leaves the lengths as they were (what it wrote past them is never read).</summary>
    internal void EndStep(bool completed)
    {
        for (var slot = 0; completed && slot < Count; slot++)
        {
            _ownLengths[slot]++;
        }

        _step = null; // its tensors are owned by the step's dispose scope
    }

    public void Dispose()
    {
        foreach (var t in _promptKeys.Concat(_promptValues).Concat(_ownKeys).Concat(_ownValues))
        {
            t.Dispose();
        }
    }

    /// <summary>What every layer of one step shares: each slot's place in the (groups × widest) grid, the widths read
    /// of the prompts and of the slots' own tokens, each slot's own length (Count, 1, 1, 1), and the score mask.</summary>
    private sealed record Step(Tensor Place, int Widest, int PromptWidth, int OwnWidth, Tensor OwnLengths, Tensor Mask);
}
