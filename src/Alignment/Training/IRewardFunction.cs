namespace CoopAgent.Alignment.Training;

/// <summary>
/// Scores finished rollouts for PPO: a learned reward model or a programmatic
/// reward (a toy task, the household's gold reward). Works on token ids so that it knows nothing of text.
/// </summary>
public interface IRewardFunction
{
    /// <summary>One score per (prompt, response). Responses hold the generated tokens up to and including the end
    /// token when one was emitted, without padding; prompts hold no padding either.</summary>
    IReadOnlyList<double> Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses);
}
