using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Generation;

/// <summary>Batched sampling from a <see cref="Gpt"/>: prompts of different lengths are left-padded into one
/// batch, each row stops at the end token, and a KV cache makes each step cost one token's forward pass.</summary>
/// <remarks>Not thread-safe (TorchSharp dispose scopes are per thread): one caller thread at a time.</remarks>
public sealed class Sampler
{
    private readonly Gpt _model;

    /// <param name="model">The policy; switched to eval mode while generating.</param>
    /// <param name="endToken">Id that ends a response (<c>&lt;|eos|&gt;</c>).</param>
    /// <param name="padToken">Id used for left padding and after a row has finished (<c>&lt;|pad|&gt;</c>).</param>
    public Sampler(Gpt model, int endToken, int padToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        EndToken = endToken;
        PadToken = padToken;
    }

    public int EndToken { get; }

    public int PadToken { get; }

    /// <summary>Generates one response per prompt.</summary>
    /// <param name="prompts">Token ids of each prompt (at least one token each).</param>
    /// <param name="options">Length, temperature, top-k, top-p, cache.</param>
    /// <param name="generator">Random source (seeded for reproducible samples); the global one when null.</param>
    /// <param name="onStep">Called after every step with the token each row drew, or −1 for a row already
    /// finished before this step (for streaming).</param>
    /// <param name="constraints">Per prompt, what its response may say (<see cref="ITokenConstraint"/>), or null for
    /// free text; null: every response is free.</param>
    /// <param name="cancellationToken">Checked between steps; cancelling returns what was generated so far.</param>
    public IReadOnlyList<GeneratedSequence> Generate(
        IReadOnlyList<int[]> prompts,
        SamplingOptions options,
        Generator? generator = null,
        Action<int[]>? onStep = null,
        IReadOnlyList<ITokenConstraint?>? constraints = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0)
        {
            return [];
        }

        var longest = prompts.Max(p => p?.Length ?? 0);
        if (prompts.Any(p => p is null || p.Length == 0))
        {
            throw new ArgumentException("every prompt needs at least one token (start with <|bos|>).", nameof(prompts));
        }

        if (constraints is not null && constraints.Count != prompts.Count)
        {
            throw new ArgumentException($"{constraints.Count} constraints for {prompts.Count} prompts: give one per prompt (null for none).", nameof(constraints));
        }

        if (longest + options.MaxNewTokens > _model.Config.ContextLength)
        {
            throw new ArgumentException(
                $"a prompt of {longest} tokens plus {options.MaxNewTokens} new tokens exceeds the context length {_model.Config.ContextLength}; shorten the prompt (ChatPrompt truncates) or ask for fewer tokens.",
                nameof(prompts));
        }

        var wasTraining = _model.training;
        _model.eval();
        try
        {
            using var noGrad = no_grad();
            var cursors = constraints?.Select(c => c?.Begin()).ToArray();
            return options.UseCache
                ? GenerateCached(prompts, longest, options, generator, onStep, cursors, cancellationToken)
                : GenerateUncached(prompts, options, generator, onStep, cursors, cancellationToken);
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    /// <remarks>
    /// Two savings that leave every row's samples as they were: rows with the same prompt (the k samples of one
    /// request) share one prefill, whose keys and values are then copied to each of them; and once a quarter of
    /// the rows in the cache have finished, they are dropped from the cache and no longer computed. Uniforms are
    /// still drawn for the whole batch every step, so a row's draws do not depend on which others still run.
    /// </remarks>
    private List<GeneratedSequence> GenerateCached(
        IReadOnlyList<int[]> prompts, int longest, SamplingOptions options, Generator? generator,
        Action<int[]>? onStep, ITokenCursor?[]? cursors, CancellationToken cancellationToken)
    {
        var device = _model.Trunk.Device;
        var batch = prompts.Count;
        var (distinct, promptOf) = Distinct(prompts);
        using var cache = new KvCache(_model.Config, distinct.Count, longest + options.MaxNewTokens, device);
        var state = new RowState(batch);
        var running = Enumerable.Range(0, batch).ToArray(); // batch rows held by the cache, in cache order
        Tensor? last = null; // (rows in the cache, V) logits for the next token; lives across steps, so outside the step scopes
        try
        {
            using (var scope = NewDisposeScope())
            {
                var (tokens, mask) = LeftPad(distinct, PadToken, device);
                last = _model.forward(tokens, mask, cache).select(1, -1);
                if (distinct.Count < batch)
                {
                    var copies = tensor(promptOf, device: device);
                    cache.SelectRows(copies);
                    last = last.index_select(0, copies);
                }

                last = last.MoveToOuterDisposeScope();
            }

            for (var step = 0; step < options.MaxNewTokens && !cancellationToken.IsCancellationRequested; step++)
            {
                using var scope = NewDisposeScope();
                var drawn = state.Record(DrawNext(Constrain(last, cursors, running), options, generator, running, batch), EndToken, PadToken);
                Advance(cursors, drawn);
                last.Dispose();
                last = null;
                onStep?.Invoke(drawn);
                if (state.AllFinished || step == options.MaxNewTokens - 1)
                {
                    break;
                }

                var stillRunning = running.Where(b => !state.IsFinished(b)).ToArray();
                if (stillRunning.Length <= running.Length * 3 / 4)
                {
                    // Copying the cache costs about one step, so rows are dropped in chunks, not one by one.
                    var keep = running.Select((b, i) => (b, i)).Where(r => !state.IsFinished(r.b)).Select(r => (long)r.i).ToArray();
                    cache.SelectRows(tensor(keep, device: device));
                    running = stillRunning;
                }

                // Finished rows still in the cache keep feeding padding; their outputs are never read.
                var input = tensor(running.Select(b => state.LastInput[b]).ToArray(), device: device).unsqueeze(1); // (R, 1)
                last = _model.forward(input, ones_like(input), cache).select(1, -1).MoveToOuterDisposeScope();
            }
        }
        finally
        {
            last?.Dispose(); // only when cancelled or failed between steps
        }

        return state.Results();
    }

    /// <summary>The distinct prompts, and for each row the index of its prompt among them.</summary>
    private static (List<int[]> Distinct, long[] PromptOf) Distinct(IReadOnlyList<int[]> prompts)
    {
        var distinct = new List<int[]>();
        var promptOf = new long[prompts.Count];
        for (var b = 0; b < prompts.Count; b++)
        {
            var found = distinct.FindIndex(p => ReferenceEquals(p, prompts[b]) || p.AsSpan().SequenceEqual(prompts[b]));
            if (found < 0)
            {
                found = distinct.Count;
                distinct.Add(prompts[b]);
            }

            promptOf[b] = found;
        }

        return (distinct, promptOf);
    }

    private List<GeneratedSequence> GenerateUncached(
        IReadOnlyList<int[]> prompts, SamplingOptions options, Generator? generator,
        Action<int[]>? onStep, ITokenCursor?[]? cursors, CancellationToken cancellationToken)
    {
        var device = _model.Trunk.Device;
        var state = new RowState(prompts.Count);
        var rows = prompts.Select(p => p.ToList()).ToList();
        for (var step = 0; step < options.MaxNewTokens && !cancellationToken.IsCancellationRequested; step++)
        {
            using var scope = NewDisposeScope();
            var (tokens, mask) = LeftPad(rows.Select(r => r.ToArray()).ToList(), PadToken, device);
            var last = _model.forward(tokens, mask).select(1, -1);                 // (B, V)
            var drawn = state.Record(DrawNext(Constrain(last, cursors, null), options, generator), EndToken, PadToken);
            Advance(cursors, drawn);
            onStep?.Invoke(drawn);
            if (state.AllFinished)
            {
                break;
            }

            for (var b = 0; b < rows.Count; b++)
            {
                rows[b].Add((int)state.LastInput[b]);
            }
        }

        return state.Results();
    }

    /// <summary>Removes from (R, V) logits the tokens each row's cursor forbids (−∞); the logits as they are when no
    /// row has a cursor.</summary>
    /// <param name="logits">(R, V) next-token logits.</param>
    /// <param name="cursors">Per batch row, its constraint cursor or null (null: no row is constrained).</param>
    /// <param name="rows">Which batch row each logits row belongs to (null: all, in order).</param>
    public static Tensor Constrain(Tensor logits, IReadOnlyList<ITokenCursor?>? cursors, IReadOnlyList<int>? rows)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var count = (int)logits.shape[0];
        if (cursors is null || Enumerable.Range(0, count).All(r => cursors[rows?[r] ?? r] is null))
        {
            return logits;
        }

        var vocabulary = (int)logits.shape[1];
        var penalty = new float[count * vocabulary];
        for (var r = 0; r < count; r++)
        {
            if (cursors[rows?[r] ?? r]?.Allowed is not { } allowed)
            {
                continue;
            }

            for (var v = 0; v < vocabulary; v++)
            {
                if (v >= allowed.Count || !allowed[v])
                {
                    penalty[(r * vocabulary) + v] = float.NegativeInfinity;
                }
            }
        }

        using var mask = tensor(penalty, [count, vocabulary], device: logits.device);
        return logits.to_type(ScalarType.Float32) + mask;
    }

    /// <summary>Moves each constrained row's cursor past the token it drew (−1: the row had already finished).</summary>
    private static void Advance(ITokenCursor?[]? cursors, int[] drawn)
    {
        if (cursors is null)
        {
            return;
        }

        for (var b = 0; b < drawn.Length; b++)
        {
            if (drawn[b] >= 0)
            {
                cursors[b]?.Advance(drawn[b]);
            }
        }
    }

    /// <summary>Draws one token per row from (B, V) logits: temperature, then top-k, then top-p.</summary>
    /// <remarks>The draw itself is inverse-CDF sampling on the CPU with uniforms from <paramref name="generator"/>:
    /// LibTorch's CPU <c>multinomial</c> took ~9 ms for 16 × 4096 here, more than the model's decode step.</remarks>
    internal static long[] DrawNext(Tensor logits, SamplingOptions options, Generator? generator) =>
        DrawNext(logits, options, generator, null, (int)logits.shape[0]);

    /// <param name="logits">(R, V): the logits of the rows still generating.</param>
    /// <param name="options">Temperature, top-k, top-p.</param>
    /// <param name="generator">Random source.</param>
    /// <param name="rows">Which of the <paramref name="batch"/> rows each logits row belongs to (null: all, in order).</param>
    /// <param name="batch">Rows in the whole batch: one uniform is drawn for each, used or not.</param>
    /// <returns>One token per batch row; rows not in <paramref name="rows"/> get 0.</returns>
    private static long[] DrawNext(Tensor logits, SamplingOptions options, Generator? generator, int[]? rows, int batch)
    {
        using var scope = NewDisposeScope();
        var filtered = Filter(logits, options);
        var drawn = new long[batch];
        var count = (int)filtered.shape[0];
        if (options.TopK == 1)
        {
            var best = filtered.argmax(-1).cpu().data<long>().ToArray();
            for (var r = 0; r < count; r++)
            {
                drawn[rows?[r] ?? r] = best[r];
            }

            return drawn;
        }

        var vocabulary = (int)filtered.shape[1];
        var probabilities = filtered.softmax(-1).cpu().data<float>().ToArray();          // (R·V), filtered tokens exactly 0
        var uniforms = rand([batch], ScalarType.Float64, generator: generator).data<double>().ToArray();
        for (var r = 0; r < count; r++)
        {
            var b = rows?[r] ?? r;
            drawn[b] = InverseCdf(probabilities.AsSpan(r * vocabulary, vocabulary), uniforms[b]);
        }

        return drawn;
    }

    /// <summary>The first entry whose cumulative probability passes <paramref name="uniform"/> · total (total ≈ 1;
    /// using it absorbs rounding), walking <paramref name="probabilities"/> in order and skipping zeros (filtered
    /// tokens); the last nonzero entry when rounding leaves the target unreached.</summary>
    internal static int InverseCdf(ReadOnlySpan<float> probabilities, double uniform)
    {
        var total = 0.0;
        foreach (var p in probabilities)
        {
            total += p;
        }

        var target = uniform * total;
        var cumulative = 0.0;
        var choice = -1;
        for (var v = 0; v < probabilities.Length; v++)
        {
            if (probabilities[v] <= 0)
            {
                continue;
            }

            choice = v;
            cumulative += probabilities[v];
            if (cumulative > target)
            {
                break;
            }
        }

        return choice;
    }

    /// <summary>Applies temperature, top-k and top-p to (B, V) logits; removed tokens get −∞.</summary>
    internal static Tensor Filter(Tensor logits, SamplingOptions options)
    {
        using var scope = NewDisposeScope();
        // Scalars held here, not converted implicitly: TorchSharp passes an implicit Scalar's handle to native code
        // without keeping the object alive, so under GC pressure its finalizer could free it mid-call (seen once
        // in 565 turns of the chat load bench as "Expected false to be true ... toDouble").
        using var temperature = options.Temperature.ToScalar();
        using var removed = double.NegativeInfinity.ToScalar();
        using var topP = options.TopP.ToScalar();
        var scaled = logits.to_type(ScalarType.Float32) / temperature;
        var vocabulary = (int)scaled.shape[^1];
        if (options.TopK > 0 && options.TopK < vocabulary)
        {
            var (kth, _) = scaled.topk(options.TopK, dim: -1);                     // (B, K), sorted
            scaled = scaled.masked_fill(scaled < kth[.., ^1..], removed);
        }

        if (options.TopP < 1)
        {
            var (sorted, order) = scaled.sort(-1, descending: true);               // (B, V)
            var probabilities = sorted.softmax(-1);
            // Drop a token when the tokens ranked above it already reach TopP (the top one always stays).
            var drop = (probabilities.cumsum(-1) - probabilities) >= topP;
            var dropInVocabularyOrder = zeros_like(drop).scatter(-1, order, drop);
            scaled = scaled.masked_fill(dropInVocabularyOrder, removed);
        }

        return scaled.MoveToOuterDisposeScope();
    }

    /// <summary>Log-probability of each given next token under the policy, with logits divided by the same
    /// <paramref name="temperature"/> as in sampling (PPO's ratio π/π_old needs both sides computed alike).</summary>
    /// <param name="model">The policy (its train/eval mode is left as it is; gradients flow when enabled).</param>
    /// <param name="tokens">(B, T) prompt and response ids, left-padded.</param>
    /// <param name="attentionMask">(B, T), nonzero for real tokens; null means no padding.</param>
    /// <param name="temperature">As in <see cref="SamplingOptions.Temperature"/>.</param>
    /// <returns>(B, T − 1): entry t is log π(tokens[t + 1] | tokens[..t]). Entries for padding are meaningless: mask them.</returns>
    public static Tensor LogProbs(Gpt model, Tensor tokens, Tensor? attentionMask, double temperature)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (!(temperature > 0))
        {
            throw new ArgumentException($"temperature must be positive (got {temperature}).", nameof(temperature));
        }

        using var scope = NewDisposeScope();
        var logits = model.forward(tokens, attentionMask)[.., ..^1] / temperature;   // (B, T-1, V)
        var logProbabilities = logits.log_softmax(-1);
        var next = tokens[.., 1..].unsqueeze(-1);                                    // (B, T-1, 1)
        return logProbabilities.gather(-1, next).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Left-pads token rows into one batch.</summary>
    /// <returns>tokens (B, T) int64 and attention mask (B, T) int64 (1 = real token), T the longest row.</returns>
    public static (Tensor Tokens, Tensor AttentionMask) LeftPad(IReadOnlyList<int[]> rows, int padToken, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var width = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
        var tokens = new long[rows.Count * width];
        var mask = new long[rows.Count * width];
        for (var b = 0; b < rows.Count; b++)
        {
            var offset = (b * width) + width - rows[b].Length;
            Array.Fill(tokens, padToken, b * width, width - rows[b].Length);
            for (var t = 0; t < rows[b].Length; t++)
            {
                tokens[offset + t] = rows[b][t];
                mask[offset + t] = 1;
            }
        }

        return (tensor(tokens, [rows.Count, width], device: device), tensor(mask, [rows.Count, width], device: device));
    }

    /// <summary>Per-row bookkeeping on the CPU: what each row has produced and whether it is done.</summary>
    private sealed class RowState(int batch)
    {
        private readonly List<int>[] _tokens = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        private readonly bool[] _finished = new bool[batch];

        /// <summary>What each row feeds as its next input (its drawn token, or padding once finished).</summary>
        public long[] LastInput { get; } = new long[batch];

        public bool AllFinished => _finished.All(f => f);

        public bool IsFinished(int row) => _finished[row];

        /// <summary>Records one step; returns per row the drawn token, or −1 when the row was already finished.</summary>
        public int[] Record(long[] drawn, int endToken, int padToken)
        {
            var reported = new int[drawn.Length];
            for (var b = 0; b < drawn.Length; b++)
            {
                if (_finished[b])
                {
                    reported[b] = -1;
                    LastInput[b] = padToken;
                    continue;
                }

                reported[b] = (int)drawn[b];
                LastInput[b] = drawn[b];
                _tokens[b].Add((int)drawn[b]);
                _finished[b] = drawn[b] == endToken;
            }

            return reported;
        }

        public List<GeneratedSequence> Results() =>
            _tokens.Select((t, b) => new GeneratedSequence([.. t], _finished[b])).ToList();
    }
}
