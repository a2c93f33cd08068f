using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Generation;

/// <summary>
/// Keys and values of recently prefilled prompts, so that a prompt starting like one of them (the same home
/// description, the same conversation one turn later) is prefilled from where they part instead of from its first
/// token: a causal model's keys and values for a prefix depend on that prefix alone. Least recently used prompts are
/// forgotten first; at most <see cref="MaxEntries"/> prompts are kept, so memory stays within
/// <see cref="MaxEntries"/> × context length × layers × 2 × width floats.
/// </summary>
/// <remarks>Owned by one thread (the one sampling); its tensors live outside every dispose scope.</remarks>
public sealed class PrefixCache : IDisposable
{
    private readonly LinkedList<Entry> _entries = new(); // most recently used first

    /// <param name="maxEntries">Most prompts kept.</param>
    /// <param name="minimumShared">Fewest shared tokens worth reusing (shorter matches are prefilled whole).</param>
    public PrefixCache(int maxEntries = 32, int minimumShared = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumShared);
        MaxEntries = maxEntries;
        MinimumShared = minimumShared;
    }

    public int MaxEntries { get; }

    public int MinimumShared { get; }

    /// <summary>Prompts kept now.</summary>
    public int Count => _entries.Count;

    /// <summary>Tokens held over all kept prompts.</summary>
    public long Tokens => _entries.Sum(e => (long)e.Prompt.Length);

    /// <summary>Prompts looked up, and tokens whose prefill was saved.</summary>
    public (long Lookups, long Hits, long TokensReused) Statistics { get; private set; }

    /// <summary>A new cache for <paramref name="prompt"/> holding the longest prefix it shares with a kept prompt
    /// (never the whole prompt: its last token must be fed to get the next-token logits), or null when none shares
    /// at least <see cref="MinimumShared"/> tokens.</summary>
    /// <param name="prompt">The prompt about to be prefilled.</param>
    /// <param name="config">The model's shape.</param>
    /// <param name="device">Where the new cache lives.</param>
    /// <returns>The cache, with room for the whole prompt, and how many tokens it already holds.</returns>
    public (KvCache Cache, int Shared)? Start(int[] prompt, GptConfig config, Device device)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return StartTogether([prompt], config, device)[0] is { } hit ? (hit.Cache, hit.Shared) : null;
    }

    /// <summary>As <see cref="Start"/> for several prompts at once: prompts that continue the same kept prompt from the
    /// same position share one cache, a row each (the prefix preloaded in every row, room for the longest prompt), so
    /// their rests go through the model in one forward pass (right-padded: causal attention never reads the padding
    /// after a row's last token).</summary>
    /// <returns>Per prompt: its cache, its row there and the tokens it holds already; null when no kept prompt shares
    /// at least <see cref="MinimumShared"/> tokens.</returns>
    public IReadOnlyList<PrefixHit?> StartTogether(IReadOnlyList<int[]> prompts, GptConfig config, Device device)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(config);
        var (lookups, hits, reused) = Statistics;
        var found = new (LinkedListNode<Entry> Node, int Shared)?[prompts.Count];
        for (var i = 0; i < prompts.Count; i++)
        {
            var prompt = prompts[i] ?? throw new ArgumentException("a prompt is null.", nameof(prompts));
            LinkedListNode<Entry>? best = null;
            var shared = 0;
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                var common = node.Value.Prompt.AsSpan().CommonPrefixLength(prompt);
                if (common > shared)
                {
                    (best, shared) = (node, common);
                }
            }

            shared = Math.Min(shared, prompt.Length - 1);
            lookups++;
            if (best is not null && shared >= MinimumShared)
            {
                found[i] = (best, shared);
                (hits, reused) = (hits + 1, reused + shared);
            }
        }

        Statistics = (lookups, hits, reused);
        var result = new PrefixHit?[prompts.Count];
        var made = new List<KvCache>();
        try
        {
            foreach (var group in Enumerable.Range(0, prompts.Count).Where(i => found[i] is not null).GroupBy(i => found[i]!.Value))
            {
                var (node, shared) = group.Key;
                var members = group.ToList();
                if (node.List is not null)
                {
                    _entries.Remove(node);
                    _entries.AddFirst(node);
                }

                var cache = new KvCache(config, members.Count, members.Max(i => prompts[i].Length), device);
                made.Add(cache);
                cache.Preload(node.Value.Keys, node.Value.Values, shared);
                for (var row = 0; row < members.Count; row++)
                {
                    result[members[row]] = new PrefixHit(cache, row, shared);
                }
            }
        }
        catch
        {
            // Nothing is handed out half made: the caches made so far are freed.
            made.ForEach(c => c.Dispose());
            throw;
        }

        return result;
    }

    /// <summary>Keeps <paramref name="prompt"/>'s keys and values: positions [<paramref name="from"/>,
    /// <paramref name="from"/> + its length) of row <paramref name="row"/> of <paramref name="cache"/> (copied). The
    /// least recently used prompt is forgotten when the cache is full; a prompt already kept is only refreshed.</summary>
    public void Remember(int[] prompt, KvCache cache, int row, int from)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(cache);
        var known = _entries.First;
        while (known is not null && !known.Value.Prompt.AsSpan().SequenceEqual(prompt))
        {
            known = known.Next;
        }

        if (known is not null)
        {
            _entries.Remove(known);
            _entries.AddFirst(known);
            return;
        }

        if (_entries.Count == MaxEntries)
        {
            _entries.Last!.Value.Dispose();
            _entries.RemoveLast();
        }

        using var scope = NewDisposeScope();
        var layers = cache.Layers;
        var keys = new Tensor[layers];
        var values = new Tensor[layers];
        for (var layer = 0; layer < layers; layer++)
        {
            var (k, v) = cache.Layer(layer);
            keys[layer] = k.narrow(0, row, 1).narrow(2, from, prompt.Length).clone().DetachFromDisposeScope();
            values[layer] = v.narrow(0, row, 1).narrow(2, from, prompt.Length).clone().DetachFromDisposeScope();
        }

        _entries.AddFirst(new Entry([.. prompt], keys, values));
    }

    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            entry.Dispose();
        }

        _entries.Clear();
    }

    /// <summary>Where a prompt's prefill starts: <see cref="Cache"/> (shared with the other prompts of the same hit, one
    /// row each) holds its first <see cref="Shared"/> tokens in row <see cref="Row"/>.</summary>
    public sealed record PrefixHit(KvCache Cache, int Row, int Shared);

    /// <summary>One kept prompt: its tokens and, per layer, its keys and values (1, H, length, D).</summary>
    private sealed record Entry(int[] Prompt, Tensor[] Keys, Tensor[] Values) : IDisposable
    {
        public void Dispose()
        {
            foreach (var t in Keys.Concat(Values))
            {
                t.Dispose();
            }
        }
    }
}
