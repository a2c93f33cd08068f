using CoopAgent.Alignment.Tokenization;

namespace CoopAgent.Alignment.Tests.Tokenization;

public class CompactTokenizerTests
{
    private static readonly string[] Corpus =
    [
        "goto kitchen; open fridge; take milk; goto living room; give milk to tom; done",
        "ask \"The fridge is empty. Shall I order food, or will you bring some?\"",
        "say \"There are eggs in the fridge.\"",
    ];

    private static readonly CompactTokenizer Tokenizer = CompactTokenizer.Build(Corpus);

    [Theory]
    [InlineData("goto kitchen; open fridge")]
    [InlineData("Grüße aus Köln — ¿qué tal? 🙂👨‍👩‍👧 中文字符 日本語 한국어")]
    [InlineData("control \u0000 \u0001 \t \r\n and a bell \u0007")]
    [InlineData("a literal <|eos|> and <|endoftext|> in user text")]
    [InlineData("")]
    [InlineData("   leading and trailing spaces   ")]
    public void Any_text_encodes_and_decodes_back_unchanged(string text)
    {
        var ids = Tokenizer.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, Tokenizer.Count - 1));
        Assert.Equal(text, Tokenizer.Decode(ids));
    }

    [Fact]
    public void Special_markers_typed_as_text_do_not_become_special_tokens()
    {
        var ids = Tokenizer.Encode("<|eos|><|user|><|endoftext|>");
        Assert.DoesNotContain(ids, CompactTokenizer.IsSpecial);
    }

    [Fact]
    public void Random_unicode_never_throws_and_round_trips()
    {
        var random = new Random(5);
        for (var i = 0; i < 200; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 30)).Select(_ =>
            {
                int codePoint;
                do
                {
                    codePoint = random.Next(0, 0x30000);
                }
                while (codePoint is >= 0xD800 and <= 0xDFFF);
                return char.ConvertFromUtf32(codePoint);
            }));
            Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
        }
    }

    [Fact]
    public void A_lone_surrogate_encodes_without_an_exception()
    {
        var ids = Tokenizer.Encode("bad \uD800 surrogate");
        var decoded = Tokenizer.Decode(ids);
        Assert.StartsWith("bad \uFFFD", decoded);   // an unpaired surrogate has no UTF-8 form: it comes back as U+FFFD
        Assert.EndsWith("\uFFFD surrogate", decoded);
    }

    [Fact]
    public void Corpus_words_are_single_tokens_and_unseen_words_fall_back_to_bytes()
    {
        Assert.Single(Tokenizer.Encode(" fridge")); // as in the corpus: cl100k joins the leading space
        var unseen = Tokenizer.Encode("xylophone");
        Assert.Equal("xylophone".Length, unseen.Length); // ASCII: one byte token per letter
        Assert.True(Tokenizer.Count < 400, $"compact vocabulary of {Tokenizer.Count}");
    }

    [Fact]
    public void Special_tokens_have_fixed_ids_and_can_be_skipped_when_decoding()
    {
        Assert.Equal(8, CompactTokenizer.SpecialTokens.Count);
        Assert.Equal("<|eos|>", CompactTokenizer.SpecialTokens[CompactTokenizer.EosId]);
        Assert.Equal("<|assistant|>", CompactTokenizer.SpecialTokens[CompactTokenizer.AssistantId]);
        int[] ids = [CompactTokenizer.BosId, .. Tokenizer.Encode("done"), CompactTokenizer.EosId];
        Assert.Equal("<|bos|>done<|eos|>", Tokenizer.Decode(ids));
        Assert.Equal("done", Tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([Tokenizer.Count]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([-1]));
    }

    [Fact]
    public void Save_and_load_give_the_same_encoding()
    {
        var directory = Directory.CreateTempSubdirectory("tok-").FullName;
        try
        {
            Tokenizer.Save(directory);
            var loaded = CompactTokenizer.Load(directory);
            Assert.Equal(Tokenizer.Count, loaded.Count);
            const string text = "goto kitchen; take eggs 🥚";
            Assert.Equal(Tokenizer.Encode(text), loaded.Encode(text));
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void A_missing_or_damaged_tokenizer_file_is_refused_naming_the_file()
    {
        var directory = Directory.CreateTempSubdirectory("tok-").FullName;
        try
        {
            var missing = Assert.Throws<InvalidDataException>(() => CompactTokenizer.Load(directory));
            Assert.Contains(CompactTokenizer.FileName, missing.Message);

            File.WriteAllText(Path.Combine(directory, CompactTokenizer.FileName), "{\"format\":");
            var broken = Assert.Throws<InvalidDataException>(() => CompactTokenizer.Load(directory));
            Assert.Contains(CompactTokenizer.FileName, broken.Message);

            File.WriteAllText(Path.Combine(directory, CompactTokenizer.FileName), "{\"format\":\"something else\"}");
            Assert.Throws<InvalidDataException>(() => CompactTokenizer.Load(directory));
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void Max_tokens_limits_the_vocabulary_and_encoding_still_round_trips()
    {
        var small = CompactTokenizer.Build(Corpus, maxTokens: 5);
        Assert.Equal(8 + 256 + 5, small.Count);
        Assert.Equal(Corpus[0], small.Decode(small.Encode(Corpus[0])));
    }
}
