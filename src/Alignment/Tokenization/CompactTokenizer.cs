using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CoopAgent.Alignment.Tokenization;

/// <summary>cl100k_base (Microsoft.ML.Tokenizers) with the ids a corpus uses renumbered into a small vocabulary,
/// so that a small model does not carry a 100 k-row embedding.</summary>
/// <remarks>
/// Compact ids: 0–7 the special tokens (<see cref="SpecialTokens"/> order), 8–263 the 256 single bytes, then the
/// cl100k tokens seen in the corpus, most frequent first. A cl100k token outside the vocabulary falls back to its
/// bytes, so any text (emoji, Chinese, control characters) encodes, and decoding gives the text back.
/// Special-token markers inside text are NOT special: "&lt;|eos|&gt;" typed by a user encodes as ordinary characters;
/// only code (<c>Policy.ChatPrompt</c>) places special ids. Immutable, so thread-safe.
/// </remarks>
public sealed class CompactTokenizer
{
    /// <summary>The special tokens, in id order.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } =
        ["<|bos|>", "<|eos|>", "<|pad|>", "<|unk|>", "<|system|>", "<|user|>", "<|assistant|>", "<|obs|>"];

    /// <summary>File name inside a checkpoint folder.</summary>
    public const string FileName = "tokenizer.json";

    private const string Format = "coopagent-compact-cl100k/1";
    private const int FirstByteId = 8;
    private const int FirstCorpusId = FirstByteId + 256;

    private readonly Cl100kTable _table;
    private readonly int[] _cl100kIds;                 // compact id − 8 → cl100k id (bytes first, then corpus tokens)
    private readonly Dictionary<int, int> _fromCl100k; // cl100k id → compact id

    private CompactTokenizer(int[] cl100kIds)
    {
        _table = Cl100kTable.Shared;
        _cl100kIds = cl100kIds;
        _fromCl100k = new Dictionary<int, int>(cl100kIds.Length);
        for (var i = 0; i < cl100kIds.Length; i++)
        {
            _fromCl100k.TryAdd(cl100kIds[i], FirstByteId + i);
        }
    }

    public const int BosId = 0;
    public const int EosId = 1;
    public const int PadId = 2;
    /// <summary>Reserved; <see cref="Encode"/> never produces it (unknown text falls back to bytes).</summary>
    public const int UnkId = 3;
    public const int SystemId = 4;
    public const int UserId = 5;
    public const int AssistantId = 6;
    public const int ObsId = 7;

    /// <summary>Vocabulary size: special tokens + 256 bytes + corpus tokens (the model's <c>VocabSize</c>).</summary>
    public int Count => FirstByteId + _cl100kIds.Length;

    /// <summary>Builds the vocabulary from a corpus: every cl100k token occurring at least <paramref name="minCount"/>
    /// times, at most <paramref name="maxTokens"/> of them (most frequent first; ties by cl100k id).</summary>
    public static CompactTokenizer Build(IEnumerable<string> corpus, int minCount = 1, int maxTokens = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minCount);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        var table = Cl100kTable.Shared;
        var counts = new Dictionary<int, int>();
        foreach (var text in corpus)
        {
            foreach (var id in table.Tokenizer.EncodeToIds(text ?? string.Empty))
            {
                if (table.BytesOf(id) is not null)
                {
                    counts[id] = counts.GetValueOrDefault(id) + 1;
                }
            }
        }

        var bytes = table.SingleByteIds;
        var byteSet = bytes.ToHashSet();
        var seen = counts.Where(c => c.Value >= minCount && !byteSet.Contains(c.Key))
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key)
            .Take(maxTokens)
            .Select(c => c.Key);
        return new CompactTokenizer([.. bytes, .. seen]);
    }

    /// <summary>Token ids of <paramref name="text"/> (no special tokens added). Never throws on text content.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 1);
        foreach (var token in _table.Tokenizer.EncodeToTokens(text, out _))
        {
            if (_fromCl100k.TryGetValue(token.Id, out var compact))
            {
                ids.Add(compact);
                continue;
            }

            // Not in the compact vocabulary: spell it in bytes. cl100k's own special tokens (for example a literal
            // "<|endoftext|>" in user text) have no byte entry; their text is spelled out instead.
            var bytes = _table.BytesOf(token.Id) ?? Encoding.UTF8.GetBytes(text[token.Offset]);
            foreach (var b in bytes)
            {
                ids.Add(FirstByteId + b);
            }
        }

        return [.. ids];
    }

    /// <summary>Whether <see cref="Encode"/> keeps <paramref name="text"/>'s tokens whatever follows it when
    /// <paramref name="next"/> comes next: cl100k's pre-tokenizer puts a piece boundary between them, and tokens never
    /// cross a piece boundary (a word before ";" or " ", say; not a space before a word, which joins it: " tea").</summary>
    public bool EndsPieceBefore(string text, char next)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return true;
        }

        var pieces = _table.Tokenizer.PreTokenizer;
        return pieces is not null && pieces.PreTokenize(text + next).Any(p => p.Offset == text.Length);
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens appear as their markers unless skipped.
    /// Invalid UTF-8 (a sequence cut inside a character) becomes U+FFFD.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id outside 0 … Count − 1.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (!skipSpecialTokens || !IsSpecial(id))
            {
                bytes.AddRange(BytesOf(id));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>The UTF-8 bytes one token stands for (a special token: its marker). For streaming, feed these
    /// to a <see cref="Decoder"/> from <c>Encoding.UTF8.GetDecoder()</c>, which holds back split characters.</summary>
    public byte[] BytesOf(int id)
    {
        if (id < 0 || id >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {Count}.");
        }

        return id < FirstByteId ? Encoding.UTF8.GetBytes(SpecialTokens[id]) : _table.BytesOf(_cl100kIds[id - FirstByteId])!;
    }

    public static bool IsSpecial(int id) => id is >= 0 and < FirstByteId;

    /// <summary>Whether <paramref name="other"/> maps every id to the same token (two loads of one checkpoint do).</summary>
    public bool SameVocabulary(CompactTokenizer other) =>
        other is not null && (ReferenceEquals(this, other) || _cl100kIds.AsSpan().SequenceEqual(other._cl100kIds));

    /// <summary>Writes <c>tokenizer.json</c> into <paramref name="directory"/> (created when missing).</summary>
    public void Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, FileName), ToJson());
    }

    /// <summary>Reads <c>tokenizer.json</c> from <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing or not a compact tokenizer map; the message names the file.</exception>
    public static CompactTokenizer Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: tokenizer map is missing.");
        }

        return FromJson(File.ReadAllText(path), path);
    }

    internal string ToJson() => JsonSerializer.Serialize(
        new TokenizerFile(Format, "cl100k_base", [.. SpecialTokens], _cl100kIds), JsonOptions);

    internal static CompactTokenizer FromJson(string json, string source)
    {
        TokenizerFile? file;
        try
        {
            file = JsonSerializer.Deserialize<TokenizerFile>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }

        if (file is null || file.Format != Format || file.Encoding != "cl100k_base")
        {
            throw new InvalidDataException($"{source}: not a {Format} tokenizer map (format '{file?.Format}', encoding '{file?.Encoding}').");
        }

        if (file.Special is null || !file.Special.SequenceEqual(SpecialTokens))
        {
            throw new InvalidDataException($"{source}: special tokens differ from {string.Join(" ", SpecialTokens)}.");
        }

        var table = Cl100kTable.Shared;
        var ids = file.Cl100kIds ?? [];
        if (ids.Length < 256 || !ids.AsSpan(0, 256).SequenceEqual(table.SingleByteIds))
        {
            throw new InvalidDataException($"{source}: the first 256 tokens must be the single bytes 0–255.");
        }

        var bad = ids.FirstOrDefault(id => table.BytesOf(id) is null, -1);
        if (bad != -1 || ids.Distinct().Count() != ids.Length)
        {
            throw new InvalidDataException($"{source}: cl100k ids must be distinct ordinary tokens (bad id {bad}).");
        }

        return new CompactTokenizer(ids);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };

    private sealed record TokenizerFile(
        [property: JsonPropertyName("format")] string Format,
        [property: JsonPropertyName("encoding")] string Encoding,
        [property: JsonPropertyName("special")] string[]? Special,
        [property: JsonPropertyName("cl100k_ids")] int[]? Cl100kIds);
}
