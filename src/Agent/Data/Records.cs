namespace CoopAgent.Agent.Data;

/// <summary>
/// A policy prompt as plain strings (the format of docs/ARCHITECTURE.md, "What the policy reads and writes"):
/// the observation, the instruction, then the dialogue so far as alternating assistant and user turns
/// (<see cref="Turns"/>[0] is the assistant's). <c>Alignment.Policy.ChatPrompt</c> turns it into token ids.
/// </summary>
public sealed record PolicyPrompt(string Observation, string Instruction, IReadOnlyList<string> Turns);

/// <summary>A pretraining document: a home description, a dialogue or an action trace.</summary>
public sealed record CorpusDocument(string Kind, string Text);

/// <summary>One SFT demonstration: the prompt and the demonstrator's next turn (plan, question or reply).</summary>
public sealed record SftExample(PolicyPrompt Prompt, string Response, string Kind, string ScenarioId);

/// <summary>
/// K candidate responses to one prompt ranked by a simulated person: <see cref="Ranks"/>[i] is the rank of
/// <see cref="Responses"/>[i] (0 = best; equal ranks are ties).
/// </summary>
public sealed record PreferenceExample(PolicyPrompt Prompt, IReadOnlyList<string> Responses, IReadOnlyList<int> Ranks, string ScenarioId);

/// <summary>
/// What the programmatic gold reward needs to score a response to a prompt: the scenario (as JSON), which
/// θ is true, and the actions already taken before the prompt (for prompts in the middle of a dialogue).
/// </summary>
public sealed record GoldContext(string ScenarioJson, string Truth, IReadOnlyList<string> Prefix);

/// <summary>A PPO prompt with its gold-reward context.</summary>
public sealed record PpoPrompt(PolicyPrompt Prompt, GoldContext Gold, string ScenarioId);
