using System.IO.Compression;
using System.Reflection;
using Microsoft.ML.Tokenizers;

namespace CoopAgent.Alignment.Tokenization;

/// <summary>The cl100k_base encoding: the Microsoft.ML.Tokenizers tokenizer and, for every cl100k id, the bytes it
/// stands for (read from the vocabulary that ships inside Microsoft.ML.Tokenizers.Data.Cl100kBase; no download).</summary>
internal sealed class Cl100kTable
{
    private const string DataAssembly = "Microsoft.ML.Tokenizers.Data.Cl100kBase";
    private const string Resource = "cl100k_base.tiktoken.deflate";

    private static readonly Lazy<Cl100kTable> LazyShared = new(Read, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly byte[][] _bytes;

    private Cl100kTable(TiktokenTokenizer tokenizer, byte[][] bytes, int[] singleByteIds)
    {
        Tokenizer = tokenizer;
        _bytes = bytes;
        SingleByteIds = singleByteIds;
    }

    /// <summary>Loaded once per process (about 100 k entries); thread-safe to read.</summary>
    public static Cl100kTable Shared => LazyShared.Value;

    public TiktokenTokenizer Tokenizer { get; }

    /// <summary>SingleByteIds[b] is the cl100k id of the one-byte token b.</summary>
    public int[] SingleByteIds { get; }

    /// <summary>Number of ordinary (non-special) cl100k ids.</summary>
    public int Count => _bytes.Length;

    /// <summary>The bytes of an ordinary cl100k id, or null for cl100k's own special tokens and ids out of range.</summary>
    public byte[]? BytesOf(int id) => id >= 0 && id < _bytes.Length ? _bytes[id] : null;

    private static Cl100kTable Read()
    {
        var assembly = Assembly.Load(DataAssembly);
        using var compressed = assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"{DataAssembly} does not contain {Resource}; is the package version right?");
        using var text = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress));

        // A "Capacity: N" header, then one token per line: base64(token bytes), optionally followed by a space and
        // its rank; without a rank the line number (from 0) is the rank. Ranks are the cl100k ids.
        var entries = new List<(int Rank, byte[] Bytes)>();
        while (text.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var rank = space < 0 ? entries.Count : int.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture);
            entries.Add((rank, Convert.FromBase64String(space < 0 ? line : line[..space])));
        }

        var bytes = new byte[entries.Max(e => e.Rank) + 1][];
        foreach (var (rank, value) in entries)
        {
            bytes[rank] = value;
        }

        var singleByteIds = new int[256];
        Array.Fill(singleByteIds, -1);
        for (var id = 0; id < bytes.Length; id++)
        {
            if (bytes[id] is { Length: 1 } one)
            {
                singleByteIds[one[0]] = id;
            }
        }

        if (Array.IndexOf(singleByteIds, -1) >= 0 || Array.IndexOf(bytes, null) >= 0)
        {
            throw new InvalidOperationException($"{Resource} is not a complete byte-level vocabulary.");
        }

        return new Cl100kTable(TiktokenTokenizer.CreateForEncoding("cl100k_base"), bytes, singleByteIds);
    }
}
