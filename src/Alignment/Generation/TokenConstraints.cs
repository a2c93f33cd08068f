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
/// </summary>
public sealed class GrammarConstraint : ITokenConstraint
{
    private static readonly ConditionalWeakTableCache TextCache = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITextGrammar, GrammarConstraint> Shared = new();

    private readonly ITextGrammar _grammar;
    private readonly CompactTokenizer _tokenizer;
    private readonly string?[] _texts;
    private readonly Dictionary<char, int[]> _byFirstCharacter;
    private readonly ConcurrentDictionary<int, bool[]> _masks = new();
    private readonly int _endToken;

    public GrammarConstraint(ITextGrammar grammar, CompactTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _grammar = grammar;
        _tokenizer = tokenizer;
        _texts = TextCache.Of(tokenizer);
        _byFirstCharacter = Enumerable.Range(0, _texts.Length).Where(t => _texts[t] is { Length: > 0 })
            .GroupBy(t => _texts[t]![0]).ToDictionary(g => g.Key, g => g.ToArray());
        _endToken = CompactTokenizer.EosId;
    }

    /// <summary>The constraint for <paramref name="grammar"/> and <paramref name="tokenizer"/>, shared while the grammar
    /// lives: the masks it has computed serve every later call with the same grammar (the same home, another turn or
    /// another conversation).</summary>
    public static GrammarConstraint For(ITextGrammar grammar, CompactTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(tokenizer);
        lock (Shared)
        {
            if (!Shared.TryGetValue(grammar, out var constraint) || !ReferenceEquals(constraint._tokenizer, tokenizer))
            {
                constraint = new GrammarConstraint(grammar, tokenizer);
                Shared.AddOrUpdate(grammar, constraint);
            }

            return constraint;
        }
    }

    public ITokenCursor Begin() => new Cursor(this, _grammar.Start);

    /// <summary>The state after the characters of <paramref name="token"/>, or −1 when one of them is forbidden.</summary>
    private int Walk(int state, int token)
    {
        if (_texts[token] is not { } text)
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

    private bool[] MaskOf(int state) => _masks.GetOrAdd(state, s =>
    {
        var mask = new bool[_texts.Length];
        IEnumerable<int> candidates = _grammar.NextCharacters(s) is { } characters
            ? characters.SelectMany(c => _byFirstCharacter.GetValueOrDefault(c) ?? [])
            : Enumerable.Range(0, mask.Length);
        foreach (var token in candidates)
        {
            mask[token] = Walk(s, token) >= 0;
        }

        mask[_endToken] = _grammar.CanEnd(s) || !mask.Contains(true);
        return mask;
    });

    /// <summary>Each token's text, null for special tokens; a byte that is not a whole UTF-8 character reads as U+FFFD.</summary>
    private sealed class ConditionalWeakTableCache
    {
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<CompactTokenizer, string?[]> _table = new();

        public string?[] Of(CompactTokenizer tokenizer) => _table.GetValue(tokenizer, t =>
            Enumerable.Range(0, t.Count).Select(id => CompactTokenizer.IsSpecial(id) ? null : Utf8(t.BytesOf(id))).ToArray());

        private static string Utf8(byte[] bytes) => new UTF8Encoding(false, false).GetString(bytes);
    }

    private sealed class Cursor(GrammarConstraint owner, int state) : ITokenCursor
    {
        private int _state = state;

        public IReadOnlyList<bool> Allowed => owner.MaskOf(_state);

        public void Advance(int token)
        {
            // A token outside the grammar (only when nothing else was allowed) leaves the row where it was.
            if (token != owner._endToken && owner.Walk(_state, token) is var next and >= 0)
            {
                _state = next;
            }
        }
    }
}
