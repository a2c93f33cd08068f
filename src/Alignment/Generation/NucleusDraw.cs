namespace CoopAgent.Alignment.Generation;

/// <summary>
/// Draws one token from one row of next-token logits exactly as <see cref="Sampler"/> does — the constraint's
/// forbidden tokens removed (<see cref="Sampler.Constrain"/>), then temperature, top-k and top-p
/// (<see cref="Sampler.Filter"/>), then the inverse-CDF walk in vocabulary order (<see cref="Sampler.InverseCdf"/>) —
/// but on the CPU, one row at a time, without tensors: the nucleus is found by taking tokens most likely first from a
/// heap until they reach top-p, so only the nucleus is ordered, never the whole vocabulary, and only allowed tokens
/// are exponentiated (the plan grammar allows few at most steps).
/// </summary>
/// <remarks>
/// Measured in the 50-client chat bench (24 Nov, ~60 rows × 1694 tokens a step): the tensor way (a penalty tensor
/// for the constraints, then per sampling setting a top-64 window with a full-sort fallback, each ~10 small ops)
/// took 0.9 + 2.3 ms of a 13.8 ms decoding step. The probabilities are the same formulas in float, summed in another
/// order than LibTorch's vectorised kernels, so they can differ in the last bits: a draw could differ only when its
/// uniform falls within that rounding of a boundary between two tokens.
/// </remarks>
internal static class NucleusDraw
{
    /// <param name="logits">One row of next-token logits (V).</param>
    /// <param name="allowed">Per token id, whether the row's constraint allows it; null when unconstrained.</param>
    /// <param name="options">Temperature, top-k, top-p.</param>
    /// <param name="uniform">The row's uniform in [0, 1).</param>
    /// <returns>The drawn token id.</returns>
    public static int Draw(ReadOnlySpan<float> logits, IReadOnlyList<bool>? allowed, SamplingOptions options, double uniform)
    {
        Span<int> drawn = stackalloc int[1];
        DrawEach(logits, allowed, options, [uniform], drawn);
        return drawn[0];
    }

    /// <summary>Draws one token per uniform from the same row (samples that share everything so far): the filtered
    /// distribution is built once, and each uniform takes the inverse-CDF walk on it, as <see cref="Draw"/> would alone.</summary>
    /// <param name="logits">One row of next-token logits (V).</param>
    /// <param name="allowed">Per token id, whether the row's constraint allows it; null when unconstrained.</param>
    /// <param name="options">Temperature, top-k, top-p.</param>
    /// <param name="uniforms">One uniform in [0, 1) per token to draw.</param>
    /// <param name="drawn">Receives the token drawn with each uniform (as long as <paramref name="uniforms"/>).</param>
    public static void DrawEach(ReadOnlySpan<float> logits, IReadOnlyList<bool>? allowed, SamplingOptions options, ReadOnlySpan<double> uniforms, Span<int> drawn)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (drawn.Length != uniforms.Length)
        {
            throw new ArgumentException($"one token per uniform: {uniforms.Length} uniforms, room for {drawn.Length}.", nameof(drawn));
        }

        var vocabulary = logits.Length;
        var bits = allowed as TokenMask;
        var mask = allowed is null || bits is not null ? null : allowed as bool[] ?? [.. allowed];

        // The allowed tokens in vocabulary order with their tempered logits; forbidden ones have probability 0 and
        // play no part below (the sampler's −∞ entries).
        Span<int> tokens = vocabulary <= 4096 ? stackalloc int[vocabulary] : new int[vocabulary];
        Span<float> values = vocabulary <= 4096 ? stackalloc float[vocabulary] : new float[vocabulary];
        var temperature = (float)options.Temperature;
        var count = 0;
        var max = float.NegativeInfinity;
        var first = 0;
        // A grammar's mask is walked by its allowed ids only; any other by every id.
        for (var v = bits is null ? 0 : bits.NextAllowed(0); v >= 0 && v < vocabulary; v = bits is null ? v + 1 : bits.NextAllowed(v + 1))
        {
            if (mask is not null && (v >= mask.Length || !mask[v]))
            {
                continue;
            }

            var x = logits[v] / temperature;
            tokens[count] = v;
            values[count++] = x;
            if (x > max)
            {
                (max, first) = (x, v);
            }
        }

        if (options.TopK == 1 || count == 0)
        {
            drawn.Fill(first); // argmax: the first most likely token
            return;
        }

        tokens = tokens[..count];
        values = values[..count];
        if (options.TopK > 0 && options.TopK < vocabulary)
        {
            KeepTopK(values, options.TopK);
        }

        // exp(x − max): the softmax's numerators, over the tokens still in.
        Span<float> weights = count <= 4096 ? stackalloc float[count] : new float[count];
        for (var i = 0; i < count; i++)
        {
            weights[i] = MathF.Exp(values[i] - max);
        }

        if (options.TopP < 1)
        {
            KeepNucleus(weights, options.TopP);
        }

        // softmax over what is left, then the sampler's inverse-CDF walk in vocabulary order (zeros skipped).
        var sum = 0f;
        foreach (var weight in weights)
        {
            sum += weight;
        }

        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            weights[i] /= sum;
            total += weights[i];
        }

        for (var u = 0; u < uniforms.Length; u++)
        {
            drawn[u] = Walk(tokens, weights, uniforms[u] * total, first);
        }
    }

    /// <summary>The first token (in vocabulary order, zero weights skipped) at which the cumulative weight passes
    /// <paramref name="target"/>; the last one with weight when rounding leaves it short.</summary>
    private static int Walk(ReadOnlySpan<int> tokens, ReadOnlySpan<float> weights, double target, int fallback)
    {
        var cumulative = 0.0;
        var choice = -1;
        for (var i = 0; i < tokens.Length; i++)
        {
            if (weights[i] <= 0)
            {
                continue;
            }

            choice = tokens[i];
            cumulative += weights[i];
            if (cumulative > target)
            {
                break;
            }
        }

        return choice < 0 ? fallback : choice;
    }

    /// <summary>As the sampler's top-k: every value below the k-th largest is removed (ties with it stay).</summary>
    private static void KeepTopK(Span<float> values, int k)
    {
        if (values.Length <= k)
        {
            return;
        }

        var heap = new PriorityQueue<int, float>(k + 1);
        for (var i = 0; i < values.Length; i++)
        {
            heap.Enqueue(i, values[i]);
            if (heap.Count > k)
            {
                heap.Dequeue(); // the smallest of the k + 1
            }
        }

        heap.TryPeek(out _, out var kth);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] < kth)
            {
                values[i] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>As the sampler's top-p, on the softmax numerators: a token is removed (weight 0) when the tokens ranked
    /// above it already reach <paramref name="topP"/> of the mass (the most likely always stays).</summary>
    private static void KeepNucleus(Span<float> weights, double topP)
    {
        var sum = 0f;
        foreach (var weight in weights)
        {
            sum += weight;
        }

        // A token of probability p has at most count · p of the mass at or below it, so at least 1 − count · p above
        // it: when that reaches topP it is out. Only the others (half that bound, for rounding) are ranked: most likely
        // first, ties in token order; only the nucleus (and one more) leaves the heap.
        var outright = (float)(0.5 * (1 - topP) / weights.Length) * sum;
        var heap = new PriorityQueue<int, (float Weight, int Index)>(MostLikelyFirst.Instance);
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] > outright)
            {
                heap.Enqueue(i, (weights[i], i));
            }
        }

        var last = (Weight: float.PositiveInfinity, Index: -1);
        var above = 0f;
        while (above < topP && heap.TryDequeue(out _, out var rank))
        {
            last = rank;
            above += rank.Weight / sum;
        }

        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= outright || MostLikelyFirst.Instance.Compare((weights[i], i), last) > 0)
            {
                weights[i] = 0;
            }
        }
    }

    /// <summary>Orders (weight, index) pairs most likely first, equal weights by index (token order).</summary>
    private sealed class MostLikelyFirst : IComparer<(float Weight, int Index)>
    {
        public static readonly MostLikelyFirst Instance = new();

        public int Compare((float Weight, int Index) x, (float Weight, int Index) y) =>
            x.Weight != y.Weight ? y.Weight.CompareTo(x.Weight) : x.Index.CompareTo(y.Index);
    }
}
