using CoopAgent.Alignment.Training;

namespace CoopAgent.Alignment.Curriculum;

/// <summary>
/// Draws prompts at the edge of the policy's ability. Each prompt keeps a discounted Beta posterior over its success
/// rate: starting from Beta(1, 1), an outcome s ∈ {0, 1} updates α ← 1 + d·(α − 1) + s and β ← 1 + d·(β − 1) + (1 − s),
/// so the evidence decays towards the prior with factor d as the policy changes. A draw takes
/// (a) with probability <see cref="CurriculumOptions.ExploreProbability"/>, or whenever nothing lies in the band,
/// a prompt never tried yet, if any; otherwise (b) a tried prompt whose estimated success α/(α+β) lies inside the band;
/// and (c) when neither exists, any prompt, so that estimates of mastered or hopeless prompts stay fresh.
/// Each choice is uniform within its group; all randomness comes from one seeded generator. With a
/// <see cref="CurriculumOptions.UniformShare"/> above zero, a first coin sends that share of draws to any prompt uniformly.
/// </summary>
public sealed class CurriculumSampler : IPromptSource
{
    private readonly IReadOnlyList<int[]> _prompts;
    private readonly CurriculumOptions _options;
    private readonly double[] _alpha;
    private readonly double[] _beta;
    private readonly int[] _observations;
    private readonly Random _random;

    public CurriculumSampler(IReadOnlyList<int[]> prompts, CurriculumOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
        {
            throw new ArgumentException("the curriculum needs at least one prompt.", nameof(prompts));
        }

        _options = options ?? new CurriculumOptions();
        _options.Validate();
        _prompts = prompts;
        _alpha = Enumerable.Repeat(1.0, prompts.Count).ToArray();
        _beta = Enumerable.Repeat(1.0, prompts.Count).ToArray();
        _observations = new int[prompts.Count];
        _random = new Random(_options.Seed);
    }

    public int Count => _prompts.Count;

    /// <summary>Posterior mean α/(α+β) of prompt <paramref name="id"/>'s success rate (½ before any outcome).</summary>
    public double EstimatedSuccess(int id) => _alpha[id] / (_alpha[id] + _beta[id]);

    /// <summary>How many outcomes of prompt <paramref name="id"/> have been recorded.</summary>
    public int Observations(int id) => _observations[id];

    public IReadOnlyList<PromptDraw> Draw(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var unseen = Enumerable.Range(0, Count).Where(i => _observations[i] == 0).ToArray();
        var inBand = Enumerable.Range(0, Count)
            .Where(i => _observations[i] > 0 && EstimatedSuccess(i) >= _options.LowerBand && EstimatedSuccess(i) <= _options.UpperBand)
            .ToArray();
        var draws = new PromptDraw[count];
        for (var k = 0; k < count; k++)
        {
            // The uniform coin is tossed only when a share is set, so the pure curriculum's draws stay as they were.
            if (_options.UniformShare > 0 && _random.NextDouble() < _options.UniformShare)
            {
                var any = _random.Next(Count);
                draws[k] = new PromptDraw(any, _prompts[any]);
                continue;
            }

            // The explore coin is tossed on every draw so that the random stream does not depend on which groups are empty.
            var explore = _random.NextDouble() < _options.ExploreProbability;
            var id = unseen.Length > 0 && (explore || inBand.Length == 0) ? unseen[_random.Next(unseen.Length)]
                : inBand.Length > 0 ? inBand[_random.Next(inBand.Length)]
                : _random.Next(Count);
            draws[k] = new PromptDraw(id, _prompts[id]);
        }

        return draws;
    }

    /// <summary>Records one outcome: a success when <paramref name="score"/> reaches the success threshold.</summary>
    public void Observe(int id, double score) => Record(id, score >= _options.SuccessThreshold);

    public void Record(int id, bool success)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Count);
        var d = _options.Decay;
        _alpha[id] = 1 + (d * (_alpha[id] - 1)) + (success ? 1 : 0);
        _beta[id] = 1 + (d * (_beta[id] - 1)) + (success ? 0 : 1);
        _observations[id]++;
    }
}
