using System.Runtime.InteropServices;
using CoopAgent.Alignment.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Generation;

/// <summary>What a <see cref="ContinuousBatch"/> is asked for: <paramref name="Samples"/> responses to one prompt.</summary>
/// <param name="Prompt">Prompt ids (at least one; with <see cref="SamplingOptions.MaxNewTokens"/> within the context).</param>
/// <param name="Samples">How many responses.</param>
/// <param name="Options">Length, temperature, top-k, top-p (the KV cache is always used).</param>
/// <param name="Seed">Seeds this request's own random source.</param>
/// <param name="Constraint">What the responses may say (<see cref="ITokenConstraint"/>); null for free text.</param>
public sealed record GenerationRequest(int[] Prompt, int Samples, SamplingOptions Options, long Seed, ITokenConstraint? Constraint = null);

/// <summary>A request of a <see cref="ContinuousBatch"/> whose every response has ended.</summary>
/// <param name="Request">The request, as admitted (the same instance).</param>
/// <param name="Samples">Its responses, in order.</param>
public sealed record FinishedGeneration(GenerationRequest Request, IReadOnlyList<GeneratedSequence> Samples);

/// <summary>
/// Iteration-level (continuous) batching: requests join the running batch between decoding steps and leave as
/// soon as their responses end, so a request never waits for a whole batch to finish and every step decodes only
/// rows still generating. Each request's prompt is prefilled once and held once for all its samples in one
/// <see cref="SlotKvCache"/> (and its beginning not at all when a prompt held there begins alike); each step then feeds
/// every row its last token in one batch. The samples of a request that have drawn the same tokens so far are one row:
/// their next-token logits are the same, so they are decoded once, and each draws its own next token from them; where
/// they draw differently the row forks (<see cref="SlotKvCache.Fork"/>).
/// </summary>
/// <remarks>
/// Each request draws from its own generator seeded with <see cref="GenerationRequest.Seed"/>, one uniform per
/// sample per step, as <see cref="Sampler.Generate"/> does for a batch of that request alone; and tokens are drawn
/// with the sampler's filters (<see cref="NucleusDraw"/>). So a request's responses do not depend on which others
/// share its steps, and are those of <see cref="Sampler"/> for the same prompt, samples and seed.
/// Not thread-safe (TorchSharp dispose scopes are per thread): one caller thread.
/// </remarks>
public sealed class ContinuousBatch : IDisposable
{
    private readonly Gpt _model;
    private readonly SlotKvCache _cache;
    private readonly PrefixCache? _prefixes;
    private readonly List<Row> _slots = [];          // _slots[i]: the history decoded in cache slot i, and its samples
    private readonly List<Running> _running = [];
    private Tensor? _next;                           // (slots in use, V): each slot's next-token logits

    /// <param name="model">The policy.</param>
    /// <param name="endToken">Id that ends a response.</param>
    /// <param name="padToken">Id for left padding in the prefill.</param>
    /// <param name="maxRows">Most responses decoded at once (KV slots, each the model's context long).</param>
    /// <param name="prefixes">Keys and values of recent prompts to prefill from (owned by the caller), or null to
    /// prefill every prompt whole.</param>
    public ContinuousBatch(Gpt model, int endToken, int padToken, int maxRows, PrefixCache? prefixes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _prefixes = prefixes;
        EndToken = endToken;
        PadToken = padToken;
        _cache = new SlotKvCache(model.Config, maxRows, model.Trunk.Device);
    }

    public int EndToken { get; }

    public int PadToken { get; }

    /// <summary>Most responses decoded at once.</summary>
    public int MaxRows => _cache.Slots;

    /// <summary>Responses still generating (each holds a row of the batch's capacity until it ends).</summary>
    public int Rows => _running.Sum(r => r.Generating);

    /// <summary>Rows the next step decodes: responses still generating, with those of a request that have drawn the same
    /// tokens so far counted once.</summary>
    public int DecodedRows => _slots.Count;

    /// <summary>Requests with a response still generating.</summary>
    public int Requests => _running.Count;

    /// <summary>Tokens taken without a draw so far: those a request's constraint dictated
    /// (<see cref="ITokenCursor.Forced"/>), fed to the model in the step after the drawn token before them, counted
    /// once per row.</summary>
    public long ForcedTokens { get; private set; }

    /// <summary>Adds the responses of <paramref name="requests"/> to the batch. A request whose prompt continues a
    /// beginning the slots already hold (<see cref="SlotKvCache.Joinable"/>) joins without a forward pass of its own: the
    /// rest of its prompt goes into the model with the next step's tokens, and it draws its first token at the step
    /// after. The others are prefilled (a prompt shared by several once, and from the longest prefix it shares with a
    /// recent prompt when there is a <see cref="PrefixCache"/>) and draw their first token at the next
    /// <see cref="Step"/>.</summary>
    /// <exception cref="ArgumentException">A request that could never run: no prompt, no samples, too long, more
    /// samples than <see cref="MaxRows"/>, bad options. Nothing is admitted.</exception>
    /// <exception cref="InvalidOperationException">Not enough free rows now; nothing is admitted.</exception>
    public void Admit(IReadOnlyList<GenerationRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var request in requests)
        {
            Validate(request);
        }

        var rows = requests.Sum(r => r.Samples);
        if (rows > MaxRows - Rows)
        {
            throw new InvalidOperationException($"{rows} more rows do not fit: {Rows} of {MaxRows} are in use.");
        }

        if (requests.Count == 0)
        {
            return;
        }

        // A prompt that continues a beginning the slots already hold joins without a forward pass of its own: the rest
        // of it goes in with the next step's tokens (SlotKvCache.Join), and its first draw is at the step after.
        var joins = requests.Select(r => _cache.Joinable(r.Prompt) > 0).ToArray();
        var joining = requests.Where((_, i) => joins[i]).ToList();
        AdmitPrefilled([.. requests.Where((_, i) => !joins[i])]);
        foreach (var request in joining)
        {
            var running = new Running(request);
            _running.Add(running);
            var slot = _cache.Join(request.Prompt);
            var shared = _cache.LengthOf(slot);
            _slots.Add(Row.ForJoining(running, [.. Enumerable.Range(0, request.Samples)], request.Constraint?.Begin(), request.Prompt[shared..]));
            PromptTokensJoined += shared;
        }
    }

    /// <summary>Prompt tokens that joining requests read from beginnings the slots held, instead of prefilling them.</summary>
    public long PromptTokensJoined { get; private set; }

    /// <summary>Prefills the prompts of <paramref name="requests"/> and adds their responses, whose next-token logits
    /// follow those of the slots already running.</summary>
    private void AdmitPrefilled(IReadOnlyList<GenerationRequest> requests)
    {
        if (requests.Count == 0)
        {
            return;
        }

        var device = _model.Trunk.Device;
        var distinct = new List<int[]>();
        var promptOf = requests.Select(r =>
        {
            var found = distinct.FindIndex(p => p.AsSpan().SequenceEqual(r.Prompt));
            if (found < 0)
            {
                distinct.Add(r.Prompt);
                found = distinct.Count - 1;
            }

            return found;
        }).ToArray();

        InEvalMode(() =>
        {
            using var scope = NewDisposeScope();
            var prefills = new List<KvCache>();
            try
            {
                // Where each distinct prompt's keys and values are (cache, row, first position), and its next-token logits.
                var sources = new (KvCache Cache, int Row, int From)[distinct.Count];
                var last = new Tensor[distinct.Count];
                var hits = _prefixes?.StartTogether(distinct, _model.Config, device) ?? new PrefixCache.PrefixHit?[distinct.Count];
                prefills.AddRange(hits.OfType<PrefixCache.PrefixHit>().Select(h => h.Cache).Distinct()); // disposed whatever happens next
                var whole = Enumerable.Range(0, distinct.Count).Where(d => hits[d] is null).ToList();

                // Only the part after the shared prefix goes through the model: one pass for the prompts that continue
                // the same kept prompt from the same token (the imagined answers of one turn, say), right-padded.
                foreach (var group in Enumerable.Range(0, distinct.Count).Where(d => hits[d] is not null).GroupBy(d => hits[d]!.Cache))
                {
                    var members = group.OrderBy(d => hits[d]!.Row).ToList();
                    var shared = hits[members[0]]!.Shared;
                    var width = members.Max(d => distinct[d].Length - shared);
                    var tokens = new long[members.Count * width];
                    var real = new long[members.Count * width];
                    for (var row = 0; row < members.Count; row++)
                    {
                        var rest = distinct[members[row]].AsSpan(shared);
                        for (var t = 0; t < width; t++)
                        {
                            tokens[(row * width) + t] = t < rest.Length ? rest[t] : PadToken;
                            real[(row * width) + t] = t < rest.Length ? 1 : 0;
                        }
                    }

                    var ends = members.Select(d => (long)(distinct[d].Length - shared - 1)).ToArray();
                    var logits = _model.forward(
                        tensor(tokens, [members.Count, width], device: device), tensor(real, [members.Count, width], device: device), group.Key, ends); // (rows, V)
                    for (var row = 0; row < members.Count; row++)
                    {
                        last[members[row]] = logits[row];
                        sources[members[row]] = (group.Key, row, 0);
                    }
                }

                if (whole.Count > 0)
                {
                    var (tokens, mask) = Sampler.LeftPad(whole.Select(d => distinct[d]).ToList(), PadToken, device);
                    var width = (int)tokens.shape[1];
                    var prefill = new KvCache(_model.Config, whole.Count, width, device);
                    prefills.Add(prefill);
                    var logits = _model.forward(tokens, mask, prefill, [.. Enumerable.Repeat((long)width - 1, whole.Count)]); // (whole, V)
                    for (var i = 0; i < whole.Count; i++)
                    {
                        last[whole[i]] = logits[i];
                        sources[whole[i]] = (prefill, i, width - distinct[whole[i]].Length);
                    }
                }

                // Every sample of a request starts from the same prompt: one slot until their draws part.
                var rowPrompts = new List<long>();
                var logitsRows = _next is null ? 0 : (int)_next.size(0);
                for (var i = 0; i < requests.Count; i++)
                {
                    var running = new Running(requests[i]);
                    _running.Add(running);
                    var (source, row, from) = sources[promptOf[i]];
                    _cache.Add(source, row, from, distinct[promptOf[i]]);
                    _slots.Add(new Row(running, Enumerable.Range(0, requests[i].Samples).ToList(), requests[i].Constraint?.Begin()) { LogitsRow = logitsRows + i });
                    rowPrompts.Add(promptOf[i]);
                }

                for (var d = 0; d < distinct.Count; d++)
                {
                    _prefixes?.Remember(distinct[d], sources[d].Cache, sources[d].Row, sources[d].From);
                }

                AppendNext(stack(last).index_select(0, tensor(rowPrompts.ToArray(), device: device)));
            }
            finally
            {
                foreach (var prefill in prefills)
                {
                    prefill.Dispose();
                }
            }
        });
    }

    /// <summary>Adds the next-token logits of new slots after those of the slots already running.</summary>
    private void AppendNext(Tensor added)
    {
        var next = _next is null ? added : cat([_next, added], 0);
        _next?.Dispose();
        _next = next.DetachFromDisposeScope();
    }

    /// <summary>One decoding step: every response draws its next token; responses that ended (end token, or their
    /// request's <see cref="SamplingOptions.MaxNewTokens"/>) leave, and the rest are fed forward.</summary>
    /// <returns>The requests whose last response ended in this step.</returns>
    public IReadOnlyList<FinishedGeneration> Step()
    {
        if (_slots.Count == 0)
        {
            return [];
        }

        var finished = new List<FinishedGeneration>();
        InEvalMode(() =>
        {
            using var scope = NewDisposeScope();
            var drawn = Draw();
            _next?.Dispose();
            _next = null;
            for (var slot = 0; slot < _slots.Count; slot++)
            {
                if (drawn[slot] is { } tokens)
                {
                    _slots[slot].Record(tokens, EndToken);
                }
            }

            // Rows whose samples have all ended leave; then where a row's samples drew different tokens, each other
            // token's samples fork into a row of their own.
            var parting = new List<(Row From, Row Fork)>();
            foreach (var row in _slots.Where(r => !r.Joining))
            {
                parting.AddRange(row.Part().Select(fork => (row, fork)));
            }

            RemoveEmptySlots();

            foreach (var (from, fork) in parting)
            {
                _cache.Fork(_slots.IndexOf(from));
                _slots.Add(fork);
            }

            // Tokens the constraint dictates after the drawn one go in with it, in this step; the length limit may end
            // a row among them.
            foreach (var row in _slots.Where(r => !r.Joining))
            {
                ForcedTokens += row.TakeForced(EndToken);
            }

            RemoveEmptySlots();

            finished.AddRange(_running.Where(r => r.AllEnded).Select(r => r.Result()));
            foreach (var done in _running.Where(r => r.AllEnded).ToList())
            {
                done.Dispose();
                _running.Remove(done);
            }

            if (_slots.Count > 0)
            {
                var device = _model.Trunk.Device;
                var counts = _slots.Select(s => s.Input.Count).ToArray();
                _next = (counts.All(c => c == 1)
                    ? _model.Decode(tensor(_slots.Select(s => (long)s.Input[0]).ToArray(), device: device).unsqueeze(1), _cache)
                    : _model.Decode(tensor(_slots.SelectMany(s => s.Input.Select(t => (long)t)).ToArray(), device: device).unsqueeze(0), counts, _cache))
                    .DetachFromDisposeScope();
                for (var slot = 0; slot < _slots.Count; slot++)
                {
                    _slots[slot].Fed(slot);
                }
            }
        });
        return finished;
    }

    /// <summary>Drops a request's responses (a caller that no longer waits for them).</summary>
    /// <returns>True when it was running.</returns>
    public bool Cancel(GenerationRequest request)
    {
        var running = _running.FirstOrDefault(r => ReferenceEquals(r.Request, request));
        if (running is null)
        {
            return false;
        }

        InEvalMode(() =>
        {
            using var scope = NewDisposeScope();
            for (var slot = _slots.Count - 1; slot >= 0; slot--)
            {
                if (ReferenceEquals(_slots[slot].Owner, running))
                {
                    RemoveSlot(slot);
                }
            }

            // The next-token logits of the slots that stay and have them (a joining slot has none before its first step),
            // in their new order.
            var keep = _slots.Where(s => !s.Joining).ToList();
            var next = keep.Count == 0 ? null : _next!.index_select(0, tensor(keep.Select(s => (long)s.LogitsRow).ToArray())).DetachFromDisposeScope();
            for (var i = 0; i < keep.Count; i++)
            {
                keep[i].LogitsRow = i;
            }

            _next?.Dispose();
            _next = next;
        });
        running.Dispose();
        _running.Remove(running);
        return true;
    }

    public void Dispose()
    {
        _next?.Dispose();
        _cache.Dispose();
        foreach (var running in _running)
        {
            running.Dispose();
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="request"/> could never run here: no prompt,
    /// no samples or more than <see cref="MaxRows"/>, longer than the context, bad options.</summary>
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prompt, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Options, nameof(request));
        request.Options.Validate();
        if (request.Prompt.Length == 0)
        {
            throw new ArgumentException("every prompt needs at least one token (start with <|bos|>).", nameof(request));
        }

        if (request.Samples < 1 || request.Samples > MaxRows)
        {
            throw new ArgumentException($"a request needs 1 … {MaxRows} samples (got {request.Samples}).", nameof(request));
        }

        if (request.Prompt.Length + request.Options.MaxNewTokens > _model.Config.ContextLength)
        {
            throw new ArgumentException(
                $"a prompt of {request.Prompt.Length} tokens plus {request.Options.MaxNewTokens} new tokens exceeds the context length {_model.Config.ContextLength}.",
                nameof(request));
        }
    }

    /// <summary>Each slot's samples' next tokens, drawn on the CPU (<see cref="NucleusDraw"/>) from the slot's logits:
    /// its constraint, then its request's filters, with each sample's uniform for the position it draws.</summary>
    private int[]?[] Draw()
    {
        if (_next is null)
        {
            return new int[]?[_slots.Count]; // every slot is joining: nothing to draw yet
        }

        var vocabulary = (int)_next.size(1);
        // (slots, V) read in place: element by element through data<float>() took ~0.7 ms a step. The step's scope
        // frees the copy that cpu()/contiguous() make when they must.
        var logits = MemoryMarshal.Cast<byte, float>(_next.cpu().to_type(ScalarType.Float32).contiguous().bytes);
        var drawn = new int[]?[_slots.Count];
        for (var slot = 0; slot < _slots.Count; slot++)
        {
            var row = _slots[slot];
            if (row.Joining)
            {
                continue; // its prompt's rest goes in first
            }

            var position = row.Owner.Tokens[row.Samples[0]].Count; // a row's samples have drawn the same tokens
            var uniforms = row.Samples.Select(sample => row.Owner.Uniform(sample, position)).ToArray();
            var tokens = new int[uniforms.Length];
            NucleusDraw.DrawEach(logits.Slice(row.LogitsRow * vocabulary, vocabulary), row.Cursor?.Allowed, row.Owner.Request.Options, uniforms, tokens);
            drawn[slot] = tokens;
        }

        return drawn;
    }

    /// <summary>Frees the slots of rows whose samples have all ended.</summary>
    private void RemoveEmptySlots()
    {
        for (var slot = _slots.Count - 1; slot >= 0; slot--)
        {
            if (_slots[slot].Samples.Count == 0)
            {
                RemoveSlot(slot);
            }
        }
    }

    /// <summary>Frees a slot; the last slot moves into it (in the cache and here alike).</summary>
    private void RemoveSlot(int slot)
    {
        var moved = _cache.Remove(slot);
        if (moved >= 0)
        {
            _slots[slot] = _slots[moved];
        }

        _slots.RemoveAt(_slots.Count - 1);
    }

    private void InEvalMode(Action action)
    {
        var wasTraining = _model.training;
        _model.eval();
        try
        {
            using var noGrad = no_grad();
            action();
        }
        finally
        {
            _model.train(wasTraining);
        }
    }

    /// <summary>A history being generated: its request, the samples that have drawn exactly its tokens so far (still
    /// generating), and where the request's constraint stands after them.</summary>
    private sealed class Row(Running owner, List<int> samples, ITokenCursor? cursor, int lastToken = -1)
    {
        private int[] _drawn = [];

        public Running Owner { get; } = owner;

        /// <summary>Its samples still generating, in order.</summary>
        public List<int> Samples { get; private set; } = samples;

        public ITokenCursor? Cursor { get; } = cursor;

        /// <summary>The tokens it feeds the model next: the one it drew, then any its constraint dictated after it.</summary>
        public List<int> Input { get; private set; } = lastToken < 0 ? [] : [lastToken];

        /// <summary>Its row in the next-token logits.</summary>
        public int LogitsRow { get; set; }

        /// <summary>True from <see cref="SlotKvCache.Join"/> until the step that takes the rest of its prompt: it has no
        /// logits to draw from yet.</summary>
        public bool Joining { get; private set; }

        /// <summary>A row that joined without a prefill: its first step takes <paramref name="rest"/>, the prompt's tokens
        /// after the beginning it reads from a held base.</summary>
        public static Row ForJoining(Running owner, List<int> samples, ITokenCursor? cursor, int[] rest) =>
            new(owner, samples, cursor) { Joining = true, LogitsRow = -1, Input = [.. rest] };

        /// <summary>After a step fed its input: its next-token logits are row <paramref name="logitsRow"/>.</summary>
        public void Fed(int logitsRow)
        {
            Joining = false;
            LogitsRow = logitsRow;
        }

        /// <summary>Each sample's drawn token (in the order of <see cref="Samples"/>) joins its response.</summary>
        public void Record(int[] drawn, int endToken)
        {
            _drawn = drawn;
            for (var i = 0; i < Samples.Count; i++)
            {
                Owner.Record(Samples[i], drawn[i], endToken);
            }
        }

        /// <summary>After the step's draw: the samples that ended leave the row; the row goes on with the first live
        /// sample's token and those that drew it, and returns a new row for each other token drawn, with its samples.</summary>
        public List<Row> Part()
        {
            var byToken = new List<(int Token, List<int> Samples)>();
            for (var i = 0; i < Samples.Count; i++)
            {
                if (Owner.Ended[Samples[i]])
                {
                    continue;
                }

                var found = byToken.FindIndex(t => t.Token == _drawn[i]);
                if (found < 0)
                {
                    byToken.Add((_drawn[i], [Samples[i]]));
                }
                else
                {
                    byToken[found].Samples.Add(Samples[i]);
                }
            }

            if (byToken.Count == 0)
            {
                Samples = [];
                return [];
            }

            Samples = byToken[0].Samples;
            Input = [byToken[0].Token];
            Cursor?.Advance(byToken[0].Token);
            return [.. byToken.Skip(1).Select(t => Owner.Continuing(t.Samples, t.Token))];
        }

        /// <summary>After <see cref="Part"/>: the tokens its constraint dictates next join its samples' responses and its
        /// input (a sampler drawing them would get them whatever its uniforms); samples cut at the length limit
        /// among them leave the row.</summary>
        /// <returns>How many were taken.</returns>
        public int TakeForced(int endToken)
        {
            var taken = 0;
            while (Cursor is not null && Samples.Count > 0 && Cursor.Forced is { Count: > 0 } forced)
            {
                var token = forced[0];
                foreach (var sample in Samples)
                {
                    Owner.Record(sample, token, endToken);
                }

                Cursor.Advance(token);
                Input.Add(token);
                Samples = Samples.Where(sample => !Owner.Ended[sample]).ToList();
                taken++;
            }

            return taken;
        }
    }

    /// <summary>A request in the batch: its generator, and what each of its samples has produced so far.</summary>
    private sealed class Running(GenerationRequest request) : IDisposable
    {
        private readonly Generator _generator = new((ulong)request.Seed, CPU);
        private readonly List<double[]> _uniforms = []; // row n: one per sample, for the tokens at position n

        public GenerationRequest Request { get; } = request;

        public List<int>[] Tokens { get; } = Enumerable.Range(0, request.Samples).Select(_ => new List<int>()).ToArray();

        /// <summary>Emitted the end token.</summary>
        public bool[] Finished { get; } = new bool[request.Samples];

        /// <summary>No longer generating: finished, or cut at the length limit.</summary>
        public bool[] Ended { get; } = new bool[request.Samples];

        public bool AllEnded => Ended.All(e => e);

        /// <summary>Samples still generating.</summary>
        public int Generating => Ended.Count(e => !e);

        /// <summary>A sample's drawn token joins its response; the end token ends it, and so does reaching the request's
        /// <see cref="SamplingOptions.MaxNewTokens"/> (cut).</summary>
        public void Record(int sample, int token, int endToken)
        {
            Tokens[sample].Add(token);
            if (token == endToken)
            {
                Ended[sample] = true;
                Finished[sample] = true;
            }
            else if (Tokens[sample].Count >= Request.Options.MaxNewTokens)
            {
                Ended[sample] = true;
            }
        }

        /// <summary>A row for <paramref name="samples"/>, which share their tokens so far and drew
        /// <paramref name="token"/> last: the constraint walked over them afresh.</summary>
        public Row Continuing(List<int> samples, int token)
        {
            var cursor = Request.Constraint?.Begin();
            foreach (var drawn in Tokens[samples[0]])
            {
                cursor?.Advance(drawn);
            }

            return new Row(this, samples, cursor, token);
        }

        /// <summary>The uniform of <paramref name="sample"/> for its token at <paramref name="position"/>: the sampler draws
        /// one per sample, ended or not, for each position of a batch of this request alone, so position n's are the
        /// generator's n-th draw of <c>Samples</c> uniforms, whichever samples reach it and when (a sample that took
        /// forced tokens without a draw is ahead of the others).</summary>
        /// <remarks>Read through <c>bytes</c>: <c>data&lt;double&gt;()</c> leaves an object for the finalizer on every call
        /// (TorchSharp 0.107; see <see cref="Models.TensorOps"/>), one per running call per step.</remarks>
        public double Uniform(int sample, int position)
        {
            while (_uniforms.Count <= position)
            {
                _uniforms.Add(MemoryMarshal.Cast<byte, double>(rand([Request.Samples], ScalarType.Float64, generator: _generator).bytes).ToArray());
            }

            return _uniforms[position][sample];
        }

        public FinishedGeneration Result() =>
            new(Request, Tokens.Select((t, i) => new GeneratedSequence([.. t], Finished[i])).ToList());

        public void Dispose() => _generator.Dispose();
    }
}
