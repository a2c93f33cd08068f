namespace CoopAgent.Alignment.Curriculum;

/// <summary>Settings of <see cref="CurriculumSampler"/>.</summary>
/// <param name="LowerBand">Lowest estimated success rate still worth training on.</param>
/// <param name="UpperBand">Highest estimated success rate still worth training on (above it the prompt is mastered).</param>
/// <param name="ExploreProbability">Chance that a draw takes a never-tried prompt even when the band is not empty.</param>
/// <param name="Decay">How much of a prompt's past evidence survives each new outcome (1 = never forget). The policy
/// changes while it trains, so old outcomes should fade.</param>
/// <param name="SuccessThreshold">A rollout whose score reaches this counts as a success.</param>
/// <param name="Seed">Seed of the draws: same seed, same observations → same prompts.</param>
/// <param name="UniformShare">Chance that a draw ignores the estimates and takes any prompt uniformly (0: the pure
/// curriculum). A share of uniform prompts keeps the policy from narrowing onto the few prompts the band holds.</param>
public sealed record CurriculumOptions(
    double LowerBand = 0.2,
    double UpperBand = 0.8,
    double ExploreProbability = 0.1,
    double Decay = 0.9,
    double SuccessThreshold = 0.5,
    int Seed = 0,
    double UniformShare = 0.0)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (LowerBand is < 0 or > 1 || UpperBand is < 0 or > 1 || LowerBand > UpperBand)
        {
            throw new ArgumentException($"the success band must satisfy 0 ≤ {nameof(LowerBand)} ≤ {nameof(UpperBand)} ≤ 1 (got {LowerBand}–{UpperBand}).");
        }

        if (ExploreProbability is < 0 or > 1)
        {
            throw new ArgumentException($"{nameof(ExploreProbability)} must lie in [0, 1] (got {ExploreProbability}).");
        }

        if (UniformShare is < 0 or > 1)
        {
            throw new ArgumentException($"{nameof(UniformShare)} must lie in [0, 1] (got {UniformShare}).");
        }

        if (Decay is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(Decay)} must lie in (0, 1] (got {Decay}).");
        }
    }
}
