namespace CoopAgent.Alignment.Training;

/// <summary>Two responses of one ranking, by position: <see cref="Better"/> ranked above <see cref="Worse"/>,
/// or the two tied (then the order carries no meaning).</summary>
public readonly record struct RankedPair(int Better, int Worse, bool Tied);

/// <summary>
/// K responses to one prompt, ranked by a person with ties allowed: <see cref="Ranks"/>[i] is the rank of
/// response i, 0 the best; equal ranks are a tie. InstructGPT-style, all K(K−1)/2 pairs of one ranking form one
/// training element (<see cref="Pairs"/>).
/// </summary>
public sealed record Ranking
{
    public Ranking(int[] prompt, IReadOnlyList<int[]> responses, IReadOnlyList<int> ranks)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(ranks);
        if (responses.Count < 2)
        {
            throw new ArgumentException($"a ranking needs at least two responses (got {responses.Count}).", nameof(responses));
        }

        if (ranks.Count != responses.Count)
        {
            throw new ArgumentException($"{ranks.Count} ranks for {responses.Count} responses; give one rank per response.", nameof(ranks));
        }

        if (ranks.Any(r => r < 0))
        {
            throw new ArgumentException("ranks must be 0 (best) or more.", nameof(ranks));
        }

        if (responses.Any(r => r is null || r.Length == 0))
        {
            throw new ArgumentException("every response needs at least one token.", nameof(responses));
        }

        Prompt = prompt;
        Responses = responses;
        Ranks = ranks;
    }

    public int[] Prompt { get; }

    public IReadOnlyList<int[]> Responses { get; }

    public IReadOnlyList<int> Ranks { get; }

    /// <summary>A pairwise choice is a ranking of two.</summary>
    public static Ranking FromPair(PreferencePair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        return new Ranking(pair.Prompt, [pair.Chosen, pair.Rejected], [0, 1]);
    }

    /// <summary>All K(K−1)/2 pairs, strict ones oriented better → worse, tied ones flagged.</summary>
    public IReadOnlyList<RankedPair> Pairs()
    {
        var pairs = new List<RankedPair>(Responses.Count * (Responses.Count - 1) / 2);
        for (var i = 0; i < Responses.Count; i++)
        {
            for (var j = i + 1; j < Responses.Count; j++)
            {
                pairs.Add(Ranks[i] == Ranks[j] ? new RankedPair(i, j, true)
                    : Ranks[i] < Ranks[j] ? new RankedPair(i, j, false)
                    : new RankedPair(j, i, false));
            }
        }

        return pairs;
    }

    /// <summary>The strict pairs as chosen/rejected preference pairs (ties dropped: DPO has no tie term).</summary>
    public IEnumerable<PreferencePair> ToPreferencePairs() =>
        Pairs().Where(p => !p.Tied).Select(p => new PreferencePair(Prompt, Responses[p.Better], Responses[p.Worse]));
}
