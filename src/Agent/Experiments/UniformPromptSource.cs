using CoopAgent.Alignment.Training;

namespace CoopAgent.Agent.Experiments;

/// <summary>The control of the curriculum experiment: every prompt equally likely on every draw, outcomes ignored.</summary>
public sealed class UniformPromptSource : IPromptSource
{
    private readonly IReadOnlyList<int[]> _prompts;
    private readonly Random _random;

    public UniformPromptSource(IReadOnlyList<int[]> prompts, int seed)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
        {
            throw new ArgumentException("no prompts to draw from.", nameof(prompts));
        }

        _prompts = prompts;
        _random = new Random(seed);
    }

    public IReadOnlyList<PromptDraw> Draw(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var id = _random.Next(_prompts.Count);
            return new PromptDraw(id, _prompts[id]);
        }).ToArray();
    }

    public void Observe(int id, double score)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _prompts.Count);
    }
}
