namespace CoopAgent.Alignment.Training;

/// <summary>One prompt drawn for a rollout: its id within the source and its token ids (no padding).</summary>
public readonly record struct PromptDraw(int Id, int[] Tokens);

/// <summary>Where PPO takes its prompts from (step 1 of an iteration) and where it reports how they went.</summary>
public interface IPromptSource
{
    /// <summary>Draws <paramref name="count"/> prompts (repeats allowed).</summary>
    IReadOnlyList<PromptDraw> Draw(int count);

    /// <summary>Reports the raw score one rollout of prompt <paramref name="id"/> earned.</summary>
    void Observe(int id, double score);
}
