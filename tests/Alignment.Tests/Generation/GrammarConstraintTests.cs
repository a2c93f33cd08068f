using CoopAgent.Alignment.Generation;
using CoopAgent.Alignment.Models;
using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;

namespace CoopAgent.Alignment.Tests.Generation;

public class GrammarConstraintTests
{
    private static readonly string[] Words = ["yes", "no", "maybe later"];

    /// <summary>A grammar of a few whole words: the state is the prefix read so far.</summary>
    private sealed class WordGrammar(IReadOnlyList<string> words) : ITextGrammar
    {
        private readonly List<string> _prefixes = [""];

        public int Start => 0;

        public int Next(int state, char character)
        {
            var prefix = _prefixes[state] + character;
            if (!words.Any(w => w.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return -1;
            }

            var index = _prefixes.IndexOf(prefix);
            if (index < 0)
            {
                index = _prefixes.Count;
                _prefixes.Add(prefix);
            }

            return index;
        }

        public bool CanEnd(int state) => words.Contains(_prefixes[state]);
    }

    private static TextPolicy TinyPolicy(long seed)
    {
        var tokenizer = CompactTokenizer.Build(["yes no maybe later, whatever you like"]);
        return TextPolicy.CreateUntrained(seed, tokenizer, new GptConfig(tokenizer.Count, ContextLength: 64, Layers: 1, Heads: 2, Width: 16));
    }

    private static readonly SamplingOptions Hot = new(MaxNewTokens: 12, Temperature: 2.0);

    [Fact]
    public void A_mask_allows_exactly_the_tokens_whose_every_character_the_grammar_accepts()
    {
        // Words sharing prefixes, walked along tokens of a tokenizer built from them (whole words, pieces, bytes).
        string[] plans = ["goto kitchen; open fridge; take milk; done", "goto kettle; done", "open freezer; done", "take tea; done"];
        var tokenizer = CompactTokenizer.Build(plans);
        var grammar = new WordGrammar(plans);
        var cursor = new GrammarConstraint(grammar, tokenizer).Begin();
        var state = grammar.Start;
        foreach (var character in plans[0])
        {
            // Every token, one by one: allowed when each of its characters moves the grammar on.
            var expected = Enumerable.Range(0, tokenizer.Count).Select(t =>
            {
                if (CompactTokenizer.IsSpecial(t))
                {
                    return t == CompactTokenizer.EosId && grammar.CanEnd(state);
                }

                var at = state;
                foreach (var c in new System.Text.UTF8Encoding(false, false).GetString(tokenizer.BytesOf(t)))
                {
                    at = at < 0 ? -1 : grammar.Next(at, c);
                }

                return at >= 0;
            }).ToArray();

            Assert.Equal(expected, cursor.Allowed);
            var token = Enumerable.Range(0, tokenizer.Count).First(t => !CompactTokenizer.IsSpecial(t) && tokenizer.Decode([t]) == character.ToString());
            cursor.Advance(token);
            state = grammar.Next(state, character);
        }

        Assert.True(cursor.Allowed[CompactTokenizer.EosId]);
    }

    [Fact]
    public void Every_constrained_sample_is_a_word_of_the_grammar_and_free_samples_are_not()
    {
        using var policy = TinyPolicy(3);
        int[] prompt = [CompactTokenizer.BosId, CompactTokenizer.AssistantId];
        var constraint = new GrammarConstraint(new WordGrammar(Words), policy.Tokenizer);

        var constrained = policy.Sample([(prompt, 24)], Hot, seed: 5, constraints: [constraint])[0];
        var free = policy.Sample([(prompt, 24)], Hot, seed: 5)[0];

        Assert.All(constrained, s => Assert.Contains(s, Words));
        Assert.True(constrained.Distinct().Count() > 1, "the policy still chooses among the words");
        Assert.DoesNotContain(free, Words.Contains);
    }

    [Fact]
    public void Each_request_keeps_its_own_constraint_in_a_shared_batch()
    {
        using var policy = TinyPolicy(4);
        int[] prompt = [CompactTokenizer.BosId, CompactTokenizer.AssistantId];
        var results = policy.Sample([(prompt, 8), (prompt, 8)], Hot, seed: 9, constraints: [new GrammarConstraint(new WordGrammar(["no"]), policy.Tokenizer), null]);

        Assert.All(results[0], s => Assert.Equal("no", s));
        Assert.Contains(results[1], s => s != "no");
    }

    [Fact]
    public void The_end_token_is_allowed_only_where_the_grammar_may_end()
    {
        var tokenizer = CompactTokenizer.Build(["yes"]);
        var cursor = new GrammarConstraint(new WordGrammar(["yes"]), tokenizer).Begin();
        Assert.False(cursor.Allowed[CompactTokenizer.EosId]);
        Assert.DoesNotContain(Enumerable.Range(0, tokenizer.Count), id => CompactTokenizer.IsSpecial(id) && cursor.Allowed[id]);

        foreach (var id in tokenizer.Encode("yes"))
        {
            Assert.True(cursor.Allowed[id]);
            cursor.Advance(id);
        }

        Assert.True(cursor.Allowed[CompactTokenizer.EosId]);
        Assert.DoesNotContain(Enumerable.Range(CompactTokenizer.EosId + 1, tokenizer.Count - CompactTokenizer.EosId - 1), id => cursor.Allowed[id]);
    }

    [Fact]
    public void One_constraint_serves_a_grammar_under_every_copy_of_the_same_vocabulary_and_not_under_another()
    {
        var tokenizer = CompactTokenizer.Build(["yes no maybe"]);
        var folder = Directory.CreateTempSubdirectory("coopagent-tokenizer-").FullName;
        try
        {
            tokenizer.Save(folder);
            var copy = CompactTokenizer.Load(folder); // another instance, as each of the server's lanes loads
            var other = CompactTokenizer.Build(["something else entirely"]);
            var grammar = new WordGrammar(["yes"]);

            Assert.True(copy.SameVocabulary(tokenizer));
            Assert.False(other.SameVocabulary(tokenizer));
            var constraint = GrammarConstraint.For(grammar, tokenizer);
            Assert.Same(constraint, GrammarConstraint.For(grammar, copy));
            Assert.NotSame(constraint, GrammarConstraint.For(grammar, other));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A <see cref="WordGrammar"/> that says which characters may come next, so a constraint can tell where
    /// only one may.</summary>
    private sealed class SpelledGrammar(IReadOnlyList<string> words) : ITextGrammar
    {
        private readonly WordGrammar _words = new(words);
        private readonly Dictionary<int, string> _prefixes = new() { [0] = "" };

        public int Start => 0;

        public int Next(int state, char character)
        {
            var next = _words.Next(state, character);
            if (next >= 0)
            {
                _prefixes[next] = _prefixes[state] + character;
            }

            return next;
        }

        public bool CanEnd(int state) => _words.CanEnd(state);

        public IReadOnlyCollection<char>? NextCharacters(int state)
        {
            var prefix = _prefixes[state];
            return [.. words.Where(w => w.Length > prefix.Length && w.StartsWith(prefix, StringComparison.Ordinal)).Select(w => w[prefix.Length]).Distinct()];
        }
    }

    [Fact]
    public void Text_the_grammar_allows_no_alternative_to_is_forced_as_the_tokenizer_spells_it_but_for_its_last_token()
    {
        string[] questions = ["would you like the tea", "would you like the coffee"];
        var tokenizer = CompactTokenizer.Build([.. questions, "would you like the", "you like"]);
        var cursor = new GrammarConstraint(new SpelledGrammar(questions), tokenizer).Begin();

        // Up to "would you like the " there is one way on; its encoding's last token might merge with what follows.
        var spelled = tokenizer.Encode("would you like the ");
        Assert.True(spelled.Length >= 3, "the test needs a run of several tokens");
        Assert.Equal(spelled[..^1], cursor.Forced);
        foreach (var token in spelled[..^1])
        {
            // While tokens are forced, the mask allows the next one alone: a sampler drawing it can get nothing else.
            Assert.Equal([token], Enumerable.Range(0, tokenizer.Count).Where(t => cursor.Allowed[t]));
            Assert.Equal(token, cursor.Forced[0]);
            cursor.Advance(token);
        }

        // The last token of the run is the model's again, among every spelling that fits.
        Assert.Empty(cursor.Forced);
        var allowed = Enumerable.Range(0, tokenizer.Count).Where(t => cursor.Allowed[t]).ToList();
        Assert.Contains(spelled[^1], allowed);
        Assert.True(allowed.Count > 1, "after the forced tokens the model chooses among the spellings again");

        // Where the grammar branches ("tea" or "coffee") nothing is forced.
        cursor.Advance(spelled[^1]);

        Assert.Empty(cursor.Forced);
        Assert.True(Enumerable.Range(0, tokenizer.Count).Count(t => cursor.Allowed[t]) > 1);
    }

    [Theory]
    [InlineData(new[] { "give tea; done", "give tea. done" }, true)]   // ";" and "." begin a new piece: "tea" is final
    [InlineData(new[] { "give tea; done", "give teas" }, false)]       // "s" would merge into "teas"
    [InlineData(new[] { "give tea" }, true)]                           // nothing follows: the grammar can only end
    public void The_last_token_of_forced_text_is_forced_too_when_nothing_allowed_after_it_can_merge_with_it(string[] plans, bool whole)
    {
        var tokenizer = CompactTokenizer.Build(["give tea; done", "give tea. done", "give teas"]);
        var cursor = new GrammarConstraint(new SpelledGrammar(plans), tokenizer).Begin();
        var spelled = tokenizer.Encode("give tea");
        Assert.True(spelled.Length >= 2, "the test needs a run of several tokens");

        Assert.Equal(whole ? spelled : spelled[..^1], cursor.Forced);
        Assert.True(tokenizer.EndsPieceBefore("give tea", ';'));
        Assert.False(tokenizer.EndsPieceBefore("give tea", 's'));
        Assert.True(tokenizer.EndsPieceBefore("give", ' '));
        Assert.False(tokenizer.EndsPieceBefore("give ", 't'), "a space joins the word after it: \" tea\"");
    }

    [Fact]
    public void A_token_other_than_the_forced_one_ends_what_was_forced_and_the_cursor_follows_the_grammar_from_there()
    {
        string[] questions = ["would you like the tea", "would you like the coffee"];
        var tokenizer = CompactTokenizer.Build([.. questions, "would you like the"]);
        var cursor = new GrammarConstraint(new SpelledGrammar(questions), tokenizer).Begin();
        var forced = cursor.Forced.ToArray();
        Assert.NotEmpty(forced);

        // A caller that ignores the mask and spells "w" alone: the run is forced again from "ould …".
        var w = tokenizer.Encode("w").Single();
        Assert.NotEqual(forced[0], w);
        cursor.Advance(w);
        Assert.Equal(tokenizer.Encode("ould you like the ")[..^1], cursor.Forced);

        // The end token forces nothing after it.
        cursor.Advance(CompactTokenizer.EosId);
        Assert.Empty(cursor.Forced);
    }

    [Fact]
    public void Sampled_responses_with_forced_text_are_words_of_the_grammar()
    {
        using var policy = TinyPolicy(7);
        string[] questions = ["maybe later", "maybe not"];
        int[] prompt = [CompactTokenizer.BosId, CompactTokenizer.AssistantId];
        var constraint = new GrammarConstraint(new SpelledGrammar(questions), policy.Tokenizer);

        var sampled = policy.Sample([(prompt, 16)], Hot, seed: 8, constraints: [constraint])[0];

        Assert.All(sampled, s => Assert.Contains(s, questions));
    }

    [Fact]
    public void A_constraint_list_that_does_not_match_the_requests_is_refused()
    {
        using var policy = TinyPolicy(1);
        int[] prompt = [CompactTokenizer.BosId, CompactTokenizer.AssistantId];
        var constraint = new GrammarConstraint(new WordGrammar(Words), policy.Tokenizer);
        Assert.Throws<ArgumentException>(() => policy.Sample([(prompt, 2), (prompt, 2)], Hot, constraints: [constraint]));
        Assert.Throws<ArgumentException>(() => policy.Sampler.Generate([prompt], Hot, constraints: [constraint, constraint]));
    }
}
