namespace CoopAgent.Alignment.Training;

/// <summary>One prompt with a preferred (chosen) and a dispreferred (rejected) response, as token ids.</summary>
public sealed record PreferencePair(int[] Prompt, int[] Chosen, int[] Rejected);
