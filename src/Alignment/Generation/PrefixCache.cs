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
        ArgumentNullException.ThrowIfNull(config);
        var (lookups, hits, reused) = Statistics;
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
        if (best is null || shared < MinimumShared)
        {
            Statistics = (lookups + 1, hits, reused);
            return null;
        }

        _entries.Remove(best);
        _entries.AddFirst(best);
        Statistics = (lookups + 1, hits + 1, reused + shared);
        var cache = new KvCache(config, 1, prompt.Length, device);
        cache.Preload(best.Value.Keys, best.Value.Values, shared);
        return (cache, shared);
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
