using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>
/// Keys and values of many independent sequences decoded together, one <em>slot</em> each, every slot with its own
/// length: sequences join (<see cref="Add"/>) and leave (<see cref="Remove"/>) between decoding steps without
/// moving the others, and no slot carries padding. What sequences share is held once: a prompt that begins with at
/// least <see cref="MinimumShared"/> tokens of a prompt already held (the same home and conversation) reads those from
/// it, its <em>base</em>; the rest of the prompt (at most <see cref="MostUnshared"/> tokens) and the tokens generated
/// are each slot's own. The samples that join together from one prompt (a call) form a <em>group</em>: one slot at
/// first, forked as their tokens part. The buffers are allocated once at full size and reused, so a long-running batch
/// allocates nothing per step.
/// </summary>
/// <remarks>
/// Why: with a copy of the prompt per slot, a step of 64 slots (prompts of ~150 tokens) read ~84 MB of keys and
/// values, most of a decoding step. A step's attention is one softmax over [the slot's base prefix ‖ its own
/// positions]; for the base the queries of the slots that share an entry are laid out in an (entries, widest) grid so
/// that one batched matmul scores them against what they share. (The rest of each prompt was once a third level,
/// shared by a call's slots: its grid was ~12 times wider than what it held, since most calls hold a few tokens there
/// and have one or two slots; with one level less a layer's attention took ~25 % less in a harness, and the 50-client
/// load answered ~7 % more calls a second.)
/// On a CPU a step attends straight on the buffers' memory (<see cref="DirectAttention"/>): each (token, head) reads
/// just the positions it may see, with no grid, mask or LibTorch operation; the 50-client load answered 24–45 % more
/// calls a second than with the grid (three alternated runs, 24 Nov). The grid stays the way on other devices.
/// Slots, groups and bases in use are always 0 … count − 1 (freeing one moves the last into its place), so a step reads
/// them as contiguous batches. Owned by one thread; its tensors live outside every dispose scope.
/// </remarks>
public sealed unsafe class SlotKvCache : IKeyValueStore, IDisposable
{
    /// <summary>Fewest leading tokens a joining prompt must share with a held base to read them from it.</summary>
    public const int MinimumShared = 16;

    /// <summary>Most tokens of a joining prompt its slots hold beyond the base it reads; a prompt that goes on longer
    /// past every held beginning becomes a base itself. A step's own level is as wide as its widest slot, so one long
    /// rest of a prompt widens every slot's, while a base serves later prompts that continue it (the same conversation a
    /// step on, the answers imagined after the same question).</summary>
    public const int MostUnshared = 32;

    private readonly Level _bases;          // entry b: a prompt as it joined (its first tokens serve later prompts)
    private readonly Level _own;            // entry s: slot s's prompt after what it reads from its base, then its generated tokens
    private readonly int[][] _baseTokens;   // per base: the prompt it holds
    private readonly int[] _baseUsers;      // per base: groups reading it
    private readonly int[] _groupBase;      // per group: its base
    private readonly int[] _groupShared;    // per group: leading tokens read from its base
    private readonly int[] _groupMembers;   // per group: slots still in it
    private readonly int[] _groupOf;        // per slot
    private readonly int _heads;
    private readonly int _headWidth;
    private readonly Scalar _scale;       // 1/√D, made once (a Scalar per step would be garbage for the finalizer)
    private readonly float[] _scores;     // one (token, head)'s scores, for the direct way
    private int _groupCount;
    private Step? _step;

    /// <param name="config">The model's shape; each slot holds up to its context length.</param>
    /// <param name="slots">Most sequences at once (and so most groups and bases).</param>
    /// <param name="device">Where the buffers live (the model's device).</param>
    public SlotKvCache(GptConfig config, int slots, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        device ??= CPU;
        Slots = slots;
        Capacity = config.ContextLength;
        _scale = (1.0 / Math.Sqrt(config.HeadWidth)).ToScalar();
        _heads = config.Heads;
        _headWidth = config.HeadWidth;
        _scores = new float[2 * config.ContextLength];
        _bases = new Level(config, slots, device);
        _own = new Level(config, slots, device);
        _baseTokens = new int[slots][];
        _baseUsers = new int[slots];
        _groupBase = new int[slots];
        _groupShared = new int[slots];
        _groupMembers = new int[slots];
        _groupOf = new int[slots];
        Direct = device.type == DeviceType.CPU;
    }

    /// <summary>Most sequences at once.</summary>
    public int Slots { get; }

    /// <summary>Most positions per slot, prompt included (the model's context length).</summary>
    public int Capacity { get; }

    /// <summary>Slots in use: 0 … Count − 1.</summary>
    public int Count => _own.Count;

    /// <summary>Whether a step attends straight on the buffers' CPU memory (<see cref="DirectAttention"/>, the default on
    /// a CPU) rather than with LibTorch operations (the way on any other device). Set between steps; the tests compare
    /// the two.</summary>
    internal bool Direct
    {
        get;
        set
        {
            if (value && _own.Keys[0].device_type != DeviceType.CPU)
            {
                throw new InvalidOperationException("direct attention reads CPU memory; this cache is on " + _own.Keys[0].device_type + ".");
            }

            field = value;
        }
    }

    /// <summary>Calls held (one per <see cref="Add"/> with a slot still in use).</summary>
    public int Groups => _groupCount;

    /// <summary>Distinct prompt beginnings held, each read by one or more groups.</summary>
    public int Bases => _bases.Count;

    /// <summary>Tokens held for <paramref name="slot"/>: its prompt and what it generated.</summary>
    public int LengthOf(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        return _groupShared[_groupOf[slot]] + _own.Lengths[slot];
    }

    /// <summary>Takes <paramref name="copies"/> free slots for sequences that continue <paramref name="prompt"/>, whose
    /// keys and values are positions [<paramref name="from"/>, <paramref name="from"/> + its length) of row
    /// <paramref name="row"/> of <paramref name="source"/> (a prefilled prompt; left padding before
    /// <paramref name="from"/> is not copied). Its beginning is held not at all when a held prompt begins with the same
    /// <see cref="MinimumShared"/> or more tokens (their keys and values are the same: causal attention sees only what
    /// precedes); each new slot holds the rest (the server adds one slot a call and forks it as samples part).</summary>
    /// <returns>The first of the new slots (they are the last ones in use).</returns>
    public int Add(KvCache source, int row, int from, int[] prompt, int copies = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(prompt);
        if (copies < 1 || Count + copies > Slots)
        {
            throw new InvalidOperationException($"{copies} more slots do not fit: {Count} of {Slots} are in use.");
        }

        var length = prompt.Length;
        if (length == 0 || length >= Capacity || from < 0 || from + length > source.Length || (uint)row >= (uint)source.Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(prompt), $"a prompt of {length} tokens at {from} of row {row} does not fit the source ({source.Rows} rows of {source.Length}) or leaves no room in a slot ({Capacity}).");
        }

        if (_step is not null)
        {
            throw new InvalidOperationException("slots cannot join during a step.");
        }

        using var scope = NewDisposeScope();
        var (based, shared) = LongestHeldBeginning(prompt);
        if (shared < MinimumShared || length - shared > MostUnshared)
        {
            based = _bases.Count++;
            _bases.Write(based, source, row, from, length);
            _baseTokens[based] = [.. prompt];
            _baseUsers[based] = 0;
            shared = length;
        }

        _baseUsers[based]++;
        var group = _groupCount++;
        _groupBase[group] = based;
        _groupShared[group] = shared;
        _groupMembers[group] = copies;
        var first = Count;
        _own.Count += copies;
        for (var slot = first; slot < first + copies; slot++)
        {
            _own.Write(slot, source, row, from + shared, length - shared);
            _groupOf[slot] = group;
        }

        return first;
    }

    /// <summary>How many leading tokens of <paramref name="prompt"/> a held base would give a slot that joins with
    /// <see cref="Join"/> (at least <see cref="MinimumShared"/>, leaving at most <see cref="MostUnshared"/> and at least
    /// one token to feed), or 0 when none would.</summary>
    public int Joinable(int[] prompt) => JoinPoint(prompt).Shared;

    /// <summary>Takes a free slot for a sequence that continues <paramref name="prompt"/> without any prefill: it reads
    /// the prompt's beginning from the held base that shares the most of it (<see cref="Joinable"/>), holds nothing of
    /// its own yet, and its first step must take the rest of the prompt (<see cref="LengthOf"/> tells where that
    /// starts), whose keys and values that step writes like any other tokens.</summary>
    /// <returns>The new slot (the last one in use).</returns>
    public int Join(int[] prompt)
    {
        var (based, shared) = JoinPoint(prompt);
        if (shared == 0)
        {
            throw new InvalidOperationException($"no held prompt begins like this one ({prompt.Length} tokens) closely enough to join it.");
        }

        if (Count >= Slots)
        {
            throw new InvalidOperationException($"no slot is free: {Count} of {Slots} are in use.");
        }

        if (_step is not null)
        {
            throw new InvalidOperationException("slots cannot join during a step.");
        }

        _baseUsers[based]++;
        var group = _groupCount++;
        (_groupBase[group], _groupShared[group], _groupMembers[group]) = (based, shared, 1);
        var slot = _own.Count++;
        _own.Lengths[slot] = 0;
        _groupOf[slot] = group;
        return slot;
    }

    /// <summary>The held base a joining <paramref name="prompt"/> would read and how many of its tokens; 0 tokens when it
    /// cannot join.</summary>
    private (int Base, int Shared) JoinPoint(int[] prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var (based, shared) = LongestHeldBeginning(prompt);
        shared = Math.Min(shared, prompt.Length - 1);
        return shared >= MinimumShared && prompt.Length - shared <= MostUnshared && prompt.Length < Capacity ? (based, shared) : (-1, 0);
    }

    /// <summary>Takes a free slot that continues what <paramref name="slot"/> holds so far: the same call (its group and
    /// base) and a copy of what the slot holds (the rest of the prompt and the tokens it generated). For samples of one
    /// call that drew the same tokens until now and part here: until then one slot decoded them all.</summary>
    /// <returns>The new slot (the last one in use).</returns>
    public int Fork(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Count, nameof(slot));
        if (Count >= Slots)
        {
            throw new InvalidOperationException($"no slot is free to fork slot {slot}: {Count} of {Slots} are in use.");
        }

        if (_step is not null)
        {
            throw new InvalidOperationException("slots cannot fork during a step.");
        }

        using var scope = NewDisposeScope();
        var fork = _own.Count++;
        _own.Copy(slot, fork);
        _groupOf[fork] = _groupOf[slot];
        _groupMembers[_groupOf[slot]]++;
        return fork;
    }

    /// <summary>The held base that shares the most leading tokens with <paramref name="prompt"/>, and how many.</summary>
    private (int Base, int Shared) LongestHeldBeginning(int[] prompt)
    {
        var (best, most) = (-1, 0);
        for (var b = 0; b < _bases.Count; b++)
        {
            var shared = prompt.AsSpan().CommonPrefixLength(_baseTokens[b]);
            if (shared > most)
            {
                (best, most) = (b, shared);
            }
        }

        return (best, most);
    }

    /// <summary>Frees <paramref name="slot"/>: the last slot in use moves into it. A group no slot continues any more is
    /// freed too, and a base no group reads (the last group and base move into their places).</summary>
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
        if (--_groupMembers[group] == 0)
        {
            RemoveGroup(group);
        }

        var last = _own.MoveLast(slot);
        if (last >= 0)
        {
            _groupOf[slot] = _groupOf[last];
        }

        return last;
    }

    private void RemoveGroup(int group)
    {
        var based = _groupBase[group];
        if (--_baseUsers[based] == 0)
        {
            RemoveBase(based);
        }

        var last = --_groupCount;
        if (group == last)
        {
            return;
        }

        (_groupBase[group], _groupShared[group], _groupMembers[group]) = (_groupBase[last], _groupShared[last], _groupMembers[last]);
        for (var s = 0; s < Count; s++)
        {
            if (_groupOf[s] == last)
            {
                _groupOf[s] = group;
            }
        }
    }

    private void RemoveBase(int based)
    {
        var last = _bases.MoveLast(based);
        if (last < 0)
        {
            return;
        }

        (_baseTokens[based], _baseUsers[based]) = (_baseTokens[last], _baseUsers[last]);
        for (var g = 0; g < _groupCount; g++)
        {
            if (_groupBase[g] == last)
            {
                _groupBase[g] = based;
            }
        }
    }

    /// <summary>Starts a step of one new token per slot in use and returns each slot's position (Count, 1). The
    /// step's index and mask tensors belong to the caller's dispose scope and serve every layer.</summary>
    internal Tensor BeginStep(Device device) => BeginStep(device, null);

    /// <summary>Starts a step in which slot s takes <paramref name="counts"/>[s] new tokens (null: one each) and returns
    /// their positions: (Count, 1) when every slot takes one, otherwise (1, N) for the N tokens in slot order, each
    /// slot's in sequence (a slot whose next tokens are known without a draw, as text a grammar allows no alternative
    /// to, takes them all in one step). The step's index and mask tensors belong to the caller's dispose scope and
    /// serve every layer.</summary>
    internal Tensor BeginStep(Device device, int[]? counts)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("no slot is in use.");
        }

        var count = Count;
        if (counts is not null && (counts.Length != count || counts.Any(c => c < 1)))
        {
            throw new ArgumentException($"a step needs one count of at least 1 per slot in use ({count}); got [{string.Join(", ", counts)}].", nameof(counts));
        }

        var several = counts is not null && counts.Any(c => c > 1);
        var tokens = several ? counts!.Sum() : count;
        var positions = new long[tokens];
        var writeRows = new long[tokens * _heads];
        // What each new token reads at each level: which entry, and how many of its positions (its own level up to
        // itself: the slot's earlier tokens of the step come before it).
        var baseRead = new Read[tokens];
        var ownRead = new Read[tokens];
        var at = 0;
        for (var s = 0; s < count; s++)
        {
            var group = _groupOf[s];
            for (var t = 0; t < (several ? counts![s] : 1); t++, at++)
            {
                positions[at] = LengthOf(s) + t;
                if (positions[at] >= Capacity)
                {
                    throw new InvalidOperationException($"slot {s} is full ({Capacity} positions).");
                }

                for (var h = 0; h < _heads; h++)
                {
                    // Row of the own buffers seen as (slots · H · Capacity, D): slot s, head h, the token's position.
                    writeRows[(at * _heads) + h] = ((((long)s * _heads) + h) * Capacity) + _own.Lengths[s] + t;
                }

                baseRead[at] = new Read(_groupBase[group], _groupShared[group]);
                ownRead[at] = new Read(s, _own.Lengths[s] + t + 1); // the new token too
            }
        }

        if (Direct)
        {
            _step = new Step([], null, null, several ? [.. counts!] : null, tokens, baseRead, ownRead);
            var direct = tensor(positions, device: device);
            return several ? direct.unsqueeze(0) : direct.unsqueeze(1);
        }

        // With several tokens in a slot its queries go in an (entries, widest) grid of the own level, like a shared
        // level's; with one each, row s is slot s. (The grid pads every slot to the most tokens a slot takes: the
        // products read each slot's keys once either way, and reading them is what they cost. Giving the slots that take
        // several a part of their own, with a copy of just their keys, was no better in the chat load: 216–228 calls
        // a second against 223–249, alternated.)
        var own = several ? LevelStep.Shared(_own, ownRead, device) : LevelStep.PerSlot(_own, ownRead);
        List<(LevelStep Level, Read[] Reads)> read = [(LevelStep.Shared(_bases, baseRead, device), baseRead), (own, ownRead)];
        var levels = read.Select(r => r.Level).ToArray();

        // Added to the scores: 0 where a token may look, −∞ where not; (tokens, 1, the levels' widths summed).
        var width = levels.Sum(l => l.Width);
        var mask = new float[tokens * width];
        Array.Fill(mask, float.NegativeInfinity);
        var offset = 0;
        foreach (var (level, reads) in read)
        {
            for (var r = 0; r < tokens; r++)
            {
                Array.Fill(mask, 0f, (r * width) + offset, reads[r].Length);
            }

            offset += level.Width;
        }

        _step = new Step(levels, tensor(mask, [tokens, 1, width], device: device), tensor(writeRows, device: device), several ? [.. counts!] : null, tokens, baseRead, ownRead);
        var positionIds = tensor(positions, device: device);
        return several ? positionIds.unsqueeze(0) : positionIds.unsqueeze(1);
    }

    /// <summary>Writes each new token's key and value after its slot's own positions and attends: the token's query
    /// against its base's shared beginning and its slot's own positions (the rest of its prompt, the tokens it
    /// generated, and the step's tokens up to itself). One token per slot: (Count, H, 1, D); several: (1, H, N, D).</summary>
    Tensor IKeyValueStore.Attend(int layer, Tensor q, Tensor k, Tensor v, Tensor? allowed)
    {
        if (_step is not { } step || (step.Counts is null ? k.size(2) != 1 : k.size(0) != 1 || k.size(2) != step.Tokens))
        {
            throw new InvalidOperationException("a slot cache takes the tokens its step began with, inside a step.");
        }

        if (Direct)
        {
            return AttendDirectly(layer, step, q, k, v);
        }

        var several = step.Counts is not null;
        var (tokens, heads, width) = (step.Tokens, q.size(1), q.size(3));
        Tensor Rows(Tensor t) => several ? t.squeeze(0).transpose(0, 1) : t.squeeze(2);             // (tokens, H, D)

        // Whole rows of D copied at (slot, head, position): an element-wise scatter took ~3 % of a serving lane.
        _own.Keys[layer].view(-1, width).index_copy_(0, step.WriteRows!, Rows(k).reshape(tokens * heads, width));
        _own.Values[layer].view(-1, width).index_copy_(0, step.WriteRows!, Rows(v).reshape(tokens * heads, width));

        var query = Rows(q).mul(_scale);                                                          // (tokens, H, D)
        query = several ? query.contiguous() : query;
        var scores = step.Levels.Select(l => l.FromGrid(l.ToGrid(query).matmul(l.Keys(layer).transpose(2, 3)))).ToList(); // (tokens, H, width)
        var weights = cat(scores, 2).Plus(step.Mask!).softmax(2);                                   // (tokens, H, widths summed)
        Tensor? output = null;
        var offset = 0;
        foreach (var level in step.Levels)
        {
            var part = level.FromGrid(level.ToGrid(weights.narrow(2, offset, level.Width)).matmul(level.Values(layer))); // (tokens, H, D)
            output = output is null ? part : output.Plus(part);
            offset += level.Width;
        }

        return several ? output!.transpose(0, 1).unsqueeze(0) : output!.unsqueeze(2);              // as q
    }

    /// <summary><see cref="IKeyValueStore.Attend"/> on the buffers' memory: each new token's key and value copied to its
    /// slot's next own position, then, per token and head, <see cref="DirectAttention.Attend"/> over the base's shared
    /// positions and the slot's own up to the token. The output is laid out (B, T, H, D) and returned as its (B, H, T, D)
    /// view, so the block's transpose back needs no copy.</summary>
    private Tensor AttendDirectly(int layer, Step step, Tensor q, Tensor k, Tensor v)
    {
        var (batch, heads, time, width) = (q.size(0), q.size(1), q.size(2), q.size(3));
        if (heads != _heads || width != _headWidth || q.stride(3) != 1 || k.stride(3) != 1 || v.stride(3) != 1)
        {
            throw new ArgumentException($"expected ({batch}, {_heads}, {time}, {_headWidth}) queries, keys and values with unit stride along D.", nameof(q));
        }

        var output = empty([batch, time, heads, width], dtype: ScalarType.Float32, device: q.device);
        var queries = DirectAttention.Data(q);
        var keys = DirectAttention.Data(k);
        var values = DirectAttention.Data(v);
        var written = DirectAttention.Data(output);
        var baseKeys = (float*)_bases.KeyData[layer];
        var baseValues = (float*)_bases.ValueData[layer];
        var ownKeys = (float*)_own.KeyData[layer];
        var ownValues = (float*)_own.ValueData[layer];
        var scale = (float)(1.0 / Math.Sqrt(width));
        var entry = (long)_heads * Capacity * width; // floats per level entry (all heads)
        var head = (long)Capacity * width;            // floats per head of an entry
        var (q0, q1, q2) = (q.stride(0), q.stride(1), q.stride(2));
        var (k0, k1, k2) = (k.stride(0), k.stride(1), k.stride(2));
        var (v0, v1, v2) = (v.stride(0), v.stride(1), v.stride(2));
        for (var token = 0; token < step.Tokens; token++)
        {
            var (b, t) = (token / time, token % time);
            var own = step.OwnReads[token];
            var position = own.Length - 1; // the token's own position: it reads itself last
            for (var h = 0; h < heads; h++)
            {
                var at = (own.Entry * entry) + (h * head) + ((long)position * width);
                DirectAttention.Copy(keys + (b * k0) + (h * k1) + (t * k2), ownKeys + at, (int)width);
                DirectAttention.Copy(values + (b * v0) + (h * v1) + (t * v2), ownValues + at, (int)width);
            }
        }

        for (var token = 0; token < step.Tokens; token++)
        {
            var (b, t) = (token / time, token % time);
            var (based, own) = (step.BaseReads[token], step.OwnReads[token]);
            for (var h = 0; h < heads; h++)
            {
                var read = new DirectAttention.Reading(
                    baseKeys + (based.Entry * entry) + (h * head), baseValues + (based.Entry * entry) + (h * head), based.Length,
                    ownKeys + (own.Entry * entry) + (h * head), ownValues + (own.Entry * entry) + (h * head), own.Length);
                DirectAttention.Attend(queries + (b * q0) + (h * q1) + (t * q2), scale, read, (int)width,
                    written + ((((b * time) + t) * heads) + h) * width, _scores);
            }
        }

        return output.transpose(1, 2);
    }

    /// <summary>Ends a step: when it <paramref name="completed"/>, every slot in use is as many tokens longer as it took;
    /// a step that failed part-way leaves the lengths as they were (what it wrote past them is never read).</summary>
    internal void EndStep(bool completed)
    {
        for (var slot = 0; completed && slot < Count; slot++)
        {
            _own.Lengths[slot] += _step?.Counts?[slot] ?? 1;
        }

        _step = null; // its tensors are owned by the step's dispose scope
    }

    public void Dispose()
    {
        _scale.Dispose();
        _bases.Dispose();
        _own.Dispose();
    }

    /// <summary>Which entry of a level a slot reads, and how many of its positions.</summary>
    private readonly record struct Read(int Entry, int Length);

    /// <summary>What every layer of one step shares: each level's layout, the score mask, where each new token's key
    /// and value go (tokens · H rows of the own buffers seen as (slots · H · Capacity, D)), how many tokens each slot
    /// takes (null: one each) and how many in all.</summary>
    private sealed record Step(LevelStep[] Levels, Tensor? Mask, Tensor? WriteRows, int[]? Counts, int Tokens, Read[] BaseReads, Read[] OwnReads);

    /// <summary>Entries of keys and values (per layer (entries, H, Capacity, D)), each with its length; the entries in
    /// use are 0 … Count − 1.</summary>
    private sealed class Level : IDisposable
    {
        private int _cleared; // entries 0 … _cleared − 1 hold finite numbers

        public Level(GptConfig config, int entries, Device device)
        {
            // Left uncleared until used, so that memory a batch never reaches (most levels hold far fewer entries than
            // slots) is never touched: the positions of a used entry past its length are masked out of attention, but
            // 0 · NaN is NaN, so an entry is zeroed the first time it is used.
            Tensor Buffer() => empty(entries, config.Heads, config.ContextLength, config.HeadWidth, device: device).DetachFromDisposeScope();
            Keys = [.. Enumerable.Range(0, config.Layers).Select(_ => Buffer())];
            Values = [.. Enumerable.Range(0, config.Layers).Select(_ => Buffer())];
            Lengths = new int[entries];
            // The buffers never move: their addresses, for direct attention, are read once.
            if (device.type == DeviceType.CPU)
            {
                KeyData = [.. Keys.Select(t => (nint)DirectAttention.Data(t))];
                ValueData = [.. Values.Select(t => (nint)DirectAttention.Data(t))];
            }
        }

        /// <summary>Per layer, the address of the keys' first float (CPU buffers only; empty elsewhere).</summary>
        public nint[] KeyData { get; } = [];

        public nint[] ValueData { get; } = [];

        public Tensor[] Keys { get; }

        public Tensor[] Values { get; }

        public int[] Lengths { get; }

        /// <summary>Entries in use, 0 … Count − 1 (a new entry is always the next one).</summary>
        public int Count
        {
            get;
            set
            {
                for (; _cleared < value; _cleared++)
                {
                    foreach (var buffer in Keys.Concat(Values))
                    {
                        buffer[_cleared].zero_().Dispose();
                    }
                }

                field = value;
            }
        }

        /// <summary>Entry <paramref name="entry"/> takes positions [from, from + length) of <paramref name="source"/>'s row.</summary>
        public void Write(int entry, KvCache source, int row, int from, int length)
        {
            for (var layer = 0; length > 0 && layer < Keys.Length; layer++)
            {
                var (keys, values) = source.Layer(layer);
                Keys[layer][entry].narrow(1, 0, length).copy_(keys[row].narrow(1, from, length));
                Values[layer][entry].narrow(1, 0, length).copy_(values[row].narrow(1, from, length));
            }

            Lengths[entry] = length;
        }

        /// <summary>Frees <paramref name="entry"/>: the last entry in use moves into it.</summary>
        /// <returns>The entry that moved (its old index), or −1 when the freed one was the last.</returns>
        public int MoveLast(int entry)
        {
            var last = --Count;
            if (entry == last)
            {
                return -1;
            }

            Copy(last, entry);
            return last;
        }

        /// <summary>Entry <paramref name="to"/> takes what entry <paramref name="from"/> holds.</summary>
        public void Copy(int from, int to)
        {
            var length = Lengths[from];
            if (KeyData.Length > 0)
            {
                // On the CPU, one memory copy per head: a fork or a freed slot moved ~16 LibTorch operations a step.
                var (heads, head, width) = (Keys[0].size(1), Keys[0].size(2) * Keys[0].size(3), (int)Keys[0].size(3));
                for (var layer = 0; layer < KeyData.Length; layer++)
                {
                    foreach (var data in (ReadOnlySpan<nint>)[KeyData[layer], ValueData[layer]])
                    {
                        for (var h = 0L; h < heads; h++)
                        {
                            var source = (float*)data + (((from * heads) + h) * head);
                            var target = (float*)data + (((to * heads) + h) * head);
                            DirectAttention.Copy(source, target, length * width);
                        }
                    }
                }
            }
            else
            {
                for (var layer = 0; length > 0 && layer < Keys.Length; layer++)
                {
                    Keys[layer][to].narrow(1, 0, length).copy_(Keys[layer][from].narrow(1, 0, length));
                    Values[layer][to].narrow(1, 0, length).copy_(Values[layer][from].narrow(1, 0, length));
                }
            }

            Lengths[to] = length;
        }

        public void Dispose()
        {
            foreach (var t in Keys.Concat(Values))
            {
                t.Dispose();
            }
        }
    }

    /// <summary>One level's layout in a step: the widest read of it (positions), and for a shared level where each reader's
    /// query goes in the (entries, widest) grid: reader r at row entry · widest + its rank among the entry's readers.</summary>
    private sealed class LevelStep
    {
        private readonly Level _level;
        private readonly Tensor? _place;  // (readers) int64; null when reader r is grid row r (always so for the own level with one token a slot)
        private readonly int _entries;
        private readonly int _widest;

        private LevelStep(Level level, int width, Tensor? place, int entries, int widest)
        {
            _level = level;
            Width = width;
            _place = place;
            _entries = entries;
            _widest = widest;
        }

        /// <summary>Positions read of this level (at least one, so that every part of the scores has a shape).</summary>
        public int Width { get; }

        public static LevelStep PerSlot(Level level, Read[] reads) =>
            new(level, Math.Max(1, reads.Max(r => r.Length)), place: null, reads.Length, widest: 1);

        public static LevelStep Shared(Level level, Read[] reads, Device device)
        {
            var readers = new int[level.Count];
            var place = new long[reads.Length];
            var ranks = new int[reads.Length];
            for (var r = 0; r < reads.Length; r++)
            {
                ranks[r] = readers[reads[r].Entry]++;
            }

            var widest = readers.Max();
            var inOrder = level.Count * widest == reads.Length;
            for (var r = 0; r < reads.Length; r++)
            {
                place[r] = ((long)reads[r].Entry * widest) + ranks[r];
                inOrder &= place[r] == r;
            }

            // Readers already in grid order (one call alone, or calls of equal size that joined in turn): the grid is a
            // view of the rows, no copy.
            return new(level, Math.Max(1, reads.Max(r => r.Length)), inOrder ? null : tensor(place, device: device), level.Count, widest);
        }

        /// <summary>Layer <paramref name="layer"/>'s keys read this step, (entries, H, Width, D).</summary>
        public Tensor Keys(int layer) => _level.Keys[layer].narrow(0, 0, _entries).narrow(2, 0, Width);

        public Tensor Values(int layer) => _level.Values[layer].narrow(0, 0, _entries).narrow(2, 0, Width);

        /// <summary>Rows (Count, H, X) laid out as (entries, H, widest, X).</summary>
        public Tensor ToGrid(Tensor rows)
        {
            var (heads, x) = (rows.size(1), rows.size(2));
            var grid = _place is null ? rows : zeros(_entries * _widest, heads, x, dtype: rows.dtype, device: rows.device).index_copy_(0, _place, rows);
            return grid.view(_entries, _widest, heads, x).transpose(1, 2);
        }

        /// <summary>The inverse of <see cref="ToGrid"/>: (entries, H, widest, X) → (Count, H, X).</summary>
        public Tensor FromGrid(Tensor grid)
        {
            var (heads, x) = (grid.size(1), grid.size(3));
            var rows = grid.transpose(1, 2).reshape(_entries * _widest, heads, x);
            return _place is null ? rows : rows.index_select(0, _place);
        }
    }
}
