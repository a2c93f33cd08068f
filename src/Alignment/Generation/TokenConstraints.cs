using System.Collections.Concurrent;
using System.Text;
using CoopAgent.Alignment.Tokenization;

namespace CoopAgent.Alignment.Generation;

/// <summary>
/// A rule on what one response may say, enforced while it is sampled: before every draw the tokens it forbids are
/// removed from the distribution (before temperature, top-k and top-p, so those act on what is allowed).
/// One constraint may serve many rows at once; each row walks it with its own <see cref="ITokenCursor"/>.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>A cursor at the start of a response.</summary>
    ITokenCursor Begin();
}

/// <summary>Where one row stands in an <see cref="ITokenConstraint"/>.</summary>
public interface ITokenCursor
{
    /// <summary>Per token id, whether it may come next. Never all false (the end token is allowed at worst).</summary>
    IReadOnlyList<bool> Allowed { get; }

    /// <summary>Moves past the token the row drew.</summary>
    void Advance(int token);

    /// <summary>Tokens the constraint dictates next, in order, whatever the model's logits: while there are any,
    /// <see cref="Allowed"/> allows only the first. A sampler may draw them one by one (each draw can only give the
    /// one allowed token) or take them at once without a draw (<see cref="ContinuousBatch"/> feeds them to the model
    /// in one step); the responses are the same. Empty when the next token is the model's choice.</summary>
    IReadOnlyList<int> Forced => [];
}

/// <summary>A deterministic automaton over characters: the language a constrained response must stay in.</summary>
public interface ITextGrammar
{
    /// <summary>The state before any character.</summary>
    int Start { get; }

    /// <summary>The state after <paramref name="character"/>, or −1 when the grammar forbids it here.</summary>
    int Next(int state, char character);

    /// <summary>Whether a response may end in <paramref name="state"/>.</summary>
    bool CanEnd(int state);

    /// <summary>Every character <see cref="Next"/> may accept in <paramref name="state"/>, or null when that is not
    /// known or nearly anything (free text). Only a speed-up: tokens starting otherwise are not tried.</summary>
    IReadOnlyCollection<char>? NextCharacters(int state) => null;
}

/// <summary>
/// An <see cref="ITextGrammar"/> as a token constraint for a <see cref="CompactTokenizer"/>: a token is allowed
/// when every character of its text keeps the grammar alive, the end token when the grammar may end there; no
/// other special token is ever allowed. Masks are computed once per grammar state and kept, so the rows of a
/// batch (and the steps of a row) that reach the same state share one.
/// Where the grammar leaves only one way to go for some characters (the rest of a literal word, "ould you like the"
/// after "W", a name after the letters that single it out), the response spells them as the tokenizer encodes them,
/// which is how the policy saw such text in training, and those tokens are <see cref="ITokenCursor.Forced"/>: all
/// of that encoding, or all but its last token when that might merge with what the model chooses after it (a space
/// before a name joins it: " walter"). So a sampler takes them without a model step.
/// </summary>
public sealed class GrammarConstraint : ITokenConstraint
{
    /// <summary>Most characters of one forced run looked at (a grammar's literals are far shorter).</summary>
    private const int MaxForced = 256;

    /// <summary>Most characters that may follow a forced text checked for merging with it (more: its last token is left
    /// to the model).</summary>
    private const int MaxFollowing = 64;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CompactTokenizer, TokenTrie> Tries = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITextGrammar, GrammarConstraint> Shared = new();

    private readonly ITextGrammar _grammar;
    private readonly CompactTokenizer _tokenizer;
    private readonly TokenTrie _trie;
    private readonly ConcurrentDictionary<int, TokenMask> _masks = new();
    private readonly ConcurrentDictionary<int, int[]> _forced = new();
    private readonly ConcurrentDictionary<int, TokenMask> _only = new();
    private readonly int _endToken;

    public GrammarConstraint(ITextGrammar grammar, CompactTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _grammar = grammar;
        _tokenizer = tokenizer;
        _trie = Tries.GetValue(tokenizer, t => new TokenTrie(t));
        _endToken = CompactTokenizer.EosId;
    }

    /// <summary>The constraint for <paramref name="grammar"/> and <paramref name="tokenizer"/>, shared while the grammar
    /// lives: the masks it has computed serve every later call with the same grammar (the same home, another turn or
    /// another conversation), also under another instance of the same vocabulary (the server's lanes each load the
    /// checkpoint, tokenizer included: keyed by the instance, their calls rebuilt each other's masks).</summary>
    public static GrammarConstraint For(ITextGrammar grammar, CompactTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokenizer);
        lock (Shared)
        {
            if (!Shared.TryGetValue(grammar, out var constraint) || !constraint._tokenizer.SameVocabulary(tokenizer))
            {
                constraint = new GrammarConstraint(grammar, tokenizer);
                Shared.AddOrUpdate(grammar, constraint);
            }

            return constraint;
        }
    }

    public ITokenCursor Begin() => new Cursor(this, _grammar.Start);

    /// <summary>The tokens forced in <paramref name="state"/>: the characters the grammar allows no alternative to from
    /// there (up to a state where it may end or branch), encoded by the tokenizer — the whole encoding when nothing can
    /// merge with its last token (the grammar may only end there, or every character it allows next begins a new piece
    /// of the tokenizer's pre-tokenization: "tea" before ";" or "."), else all but its last token — and only as far as
    /// each keeps the grammar alive (a character outside the vocabulary's tokens encodes as bytes, which the grammar
    /// does not walk).</summary>
    private int[] ForcedIn(int state) => _forced.GetOrAdd(state, s =>
    {
        var text = new StringBuilder();
        while (text.Length < MaxForced && !_grammar.CanEnd(s) && _grammar.NextCharacters(s) is { Count: 1 } only)
        {
            var character = only.First();
            var next = _grammar.Next(s, character);
            if (next < 0)
            {
                break;
            }

            text.Append(character);
            s = next;
        }

        if (text.Length == 0)
        {
            return [];
        }

        var forced = text.ToString();
        var encoded = _tokenizer.Encode(forced);
        var whole = _grammar.NextCharacters(s) is { } following
            && (following.Count == 0 ? _grammar.CanEnd(s) : following.Count <= MaxFollowing && following.All(c => _tokenizer.EndsPieceBefore(forced, c)));
        var kept = new List<int>();
        for (var (i, at) = (0, state); i < encoded.Length - (whole ? 0 : 1) && Walk(at, encoded[i]) is var next and >= 0; i++, at = next)
        {
            kept.Add(encoded[i]);
        }

        return [.. kept];
    });

    /// <summary>A mask allowing <paramref name="token"/> alone.</summary>
    private TokenMask Only(int token) => _only.GetOrAdd(token, t =>
    {
        var mask = new TokenMask(_trie.Texts.Length);
        mask.Allow(t);
        return mask;
    });

    /// <summary>The state after the characters of <paramref name="token"/>, or −1 when one of them is forbidden.</summary>
    private int Walk(int state, int token)
    {
        if (_trie.Texts[token] is not { } text)
        {
            return -1;
        }

        foreach (var character in text)
        {
            state = _grammar.Next(state, character);
            if (state < 0)
            {
                return -1;
            }
        }

        return state;
    }

    /// <summary>The tokens allowed in <paramref name="state"/>: those whose every character keeps the grammar alive. The
    /// grammar is walked along the tokenizer's trie of token texts, so a prefix shared by many tokens is walked once
    /// and a refused prefix rules out every token under it. (Walking each token whose first character fits, one by
    /// one, took ~3 ms of a 14 ms step in the 50-client chat bench: every turn's home is a new grammar, so its masks
    /// are new.)</summary>
    private TokenMask MaskOf(int state) => _masks.GetOrAdd(state, s =>
    {
        var mask = new TokenMask(_trie.Texts.Length);
        var pending = new Stack<(int Node, int State)>();
        // At the root, only the characters the grammar may accept (when it says), as most tokens start otherwise.
        var first = _grammar.NextCharacters(s) is { } characters
            ? characters.Where(c => _trie.Children[TokenTrie.Root].ContainsKey(c)).Select(c => (c, _trie.Children[TokenTrie.Root][c]))
            : _trie.Children[TokenTrie.Root].Select(e => (e.Key, e.Value));
        Follow(s, first);
        while (pending.TryPop(out var at))
        {
            Follow(at.State, _trie.Children[at.Node].Select(e => (e.Key, e.Value)));
        }

        if (_grammar.CanEnd(s) || !mask.Any)
        {
            mask.Allow(_endToken);
        }

        return mask;

        void Follow(int from, IEnumerable<(char Character, int Node)> edges)
        {
            foreach (var (character, node) in edges)
            {
                var next = _grammar.Next(from, character);
                if (next < 0)
                {
                    continue;
                }

                foreach (var token in _trie.Ends[node])
                {
                    mask.Allow(token);
                }

                if (_trie.Children[node].Count > 0)
                {
                    pending.Push((node, next));
                }
            }
        }
    });

    /// <summary>The texts of a tokenizer's tokens as a trie: node 0 the empty prefix; each node's children by the next
    /// character, and the tokens whose text ends there. Each token's text is null for special tokens; a byte that is not
    /// a whole UTF-8 character reads as U+FFFD.</summary>
    private sealed class TokenTrie
    {
        public const int Root = 0;

        public TokenTrie(CompactTokenizer tokenizer)
        {
            var utf8 = new UTF8Encoding(false, false);
            Texts = Enumerable.Range(0, tokenizer.Count).Select(id => CompactTokenizer.IsSpecial(id) ? null : utf8.GetString(tokenizer.BytesOf(id))).ToArray();
            var children = new List<Dictionary<char, int>> { new() };
            var ends = new List<List<int>> { new() };
            for (var token = 0; token < Texts.Length; token++)
            {
                if (Texts[token] is not { Length: > 0 } text)
                {
                    continue;
                }

                var node = Root;
                foreach (var character in text)
                {
                    if (!children[node].TryGetValue(character, out var child))
                    {
                        child = children.Count;
                        children[node][character] = child;
                        children.Add([]);
                        ends.Add([]);
                    }

                    node = child;
                }

                ends[node].Add(token);
            }

            Children = [.. children];
            Ends = [.. ends.Select(e => e.ToArray())];
        }

        public string?[] Texts { get; }

        public Dictionary<char, int>[] Children { get; }

        public int[][] Ends { get; }
    }

    private sealed class Cursor : ITokenCursor
    {
        private readonly GrammarConstraint _owner;
        private int _state;
        private int[] _forced;
        private int _taken; // of _forced

        public Cursor(GrammarConstraint owner, int state)
        {
            _owner = owner;
            _state = state;
            _forced = owner.ForcedIn(state);
        }

        public IReadOnlyList<bool> Allowed => _taken < _forced.Length ? _owner.Only(_forced[_taken]) : _owner.MaskOf(_state);

        public IReadOnlyList<int> Forced => new ArraySegment<int>(_forced, _taken, _forced.Length - _taken);

        public void Advance(int token)
        {
            if (token == _owner._endToken)
            {
                (_forced, _taken) = ([], 0);
                return;
            }

            // A token other than the forced one (a caller that did not apply the mask) ends what was forced.
            var forced = _taken < _forced.Length && _forced[_taken] == token;
            // A token outside the grammar (only when nothing else was allowed) leaves the row where it was.
            if (_owner.Walk(_state, token) is var next and >= 0)
            {
                _state = next;
            }

            if (forced && ++_taken < _forced.Length)
            {
                return;
            }

            (_forced, _taken) = (_owner.ForcedIn(_state), 0);
        }
    }
}

/// <summary>
/// Which tokens a constraint allows at one point, one bit per token id: what <see cref="ITokenCursor.Allowed"/> gives
/// for a grammar. A grammar keeps one per state it reaches, thousands a minute in a busy server (every home is a new
/// grammar), so they are eight times smaller than a <c>bool[]</c>, and a draw walks only the allowed ids
/// (<see cref="NextAllowed"/>) instead of the whole vocabulary.
/// </summary>
public sealed class TokenMask : IReadOnlyList<bool>
{
    private readonly ulong[] _bits;

    /// <param name="count">Token ids 0 … count − 1, none allowed yet.</param>
    public TokenMask(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Count = count;
        _bits = new ulong[(count + 63) / 64];
    }

    /// <summary>Token ids covered (the vocabulary).</summary>
    public int Count { get; }

    /// <summary>Whether any token is allowed.</summary>
    public bool Any => _bits.AsSpan().IndexOfAnyExcept(0UL) >= 0;

    public bool this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return (_bits[index >> 6] & (1UL << index)) != 0;
        }
    }

    /// <summary>Allows <paramref name="token"/>.</summary>
    public void Allow(int token)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)token, (uint)Count, nameof(token));
        _bits[token >> 6] |= 1UL << token;
    }

    /// <summary>The smallest allowed id at or after <paramref name="from"/>, or −1 when none is.</summary>
    public int NextAllowed(int from)
    {
        if (from < 0)
        {
            from = 0;
        }

        for (var word = from >> 6; word < _bits.Length; word++)
        {
            var bits = _bits[word];
            if (word == from >> 6)
            {
                bits &= ulong.MaxValue << from; // the shift counts modulo 64: the bits at and above from's
            }

            if (bits != 0)
            {
                return (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
            }
        }

        return -1;
    }

    public IEnumerator<bool> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
