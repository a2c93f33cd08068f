namespace CoopAgent.Alignment.Training;

/// <summary>
/// A programmatic reward for toy tasks: the share of a fixed window of response tokens that belong to a target set,
/// in [0, 1]. An early end token leaves the rest of the window empty, so the maximum 1 means "<see cref="Window"/>
/// tokens, all from the set".
/// </summary>
public sealed class TokenSetReward : IRewardFunction
{
    private readonly HashSet<int> _targets;

    public TokenSetReward(IEnumerable<int> targets, int window)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        _targets = [.. targets];
        if (_targets.Count == 0)
        {
            throw new ArgumentException("the target set is empty: no response could ever earn a reward.", nameof(targets));
        }

        Window = window;
    }

    public int Window { get; }

    public IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        return responses.Select(r => r.Take(Window).Count(_targets.Contains) / (double)Window).ToArray();
    }
}
