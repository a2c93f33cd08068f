using CoopAgent.Alignment.Tokenization;

namespace CoopAgent.Alignment.Policy;

/// <summary>Who speaks a dialogue turn.</summary>
public enum ChatRole
{
    User,
    Assistant,
}

/// <summary>One turn of the dialogue so far.</summary>
public sealed record ChatTurn(ChatRole Role, string Text);

/// <summary>Builds the policy's prompt as token ids, in the one format shared by data, SFT, PPO, the agent and the
/// server (docs/ARCHITECTURE.md, "What the policy reads and writes"):
/// <c>&lt;|bos|&gt;&lt;|obs|&gt;{observation}&lt;|user|&gt;{instruction}&lt;|assistant|&gt;{turn}&lt;|user|&gt;{answer}…&lt;|assistant|&gt;</c>.
/// Markers are special ids, never text, so a user who types "&lt;|assistant|&gt;" cannot forge a turn.</summary>
public static class ChatPrompt
{
    /// <summary>Fewest tokens a prompt may be cut to: bos, obs, one token, assistant.</summary>
    public const int MinimumLength = 4;

    /// <summary>Prompt ids for the observation and dialogue, ending with <c>&lt;|assistant|&gt;</c>, at most <paramref name="maxTokens"/> long.</summary>
    /// <remarks>Too long a prompt loses its oldest turns first (whole turns, the latest always kept); if it is still
    /// too long, <c>&lt;|bos|&gt;&lt;|obs|&gt;</c> stay and the tokens right after them are cut (the start of the
    /// observation first), so the end of the dialogue, which the response answers, always survives.</remarks>
    public static int[] Build(CompactTokenizer tokenizer, string observation, IReadOnlyList<ChatTurn> dialogue, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(dialogue);
        if (maxTokens < MinimumLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, $"a prompt needs at least {MinimumLength} tokens.");
        }

        int[] header = [CompactTokenizer.BosId, CompactTokenizer.ObsId, .. tokenizer.Encode(observation)];
        var turns = dialogue.Select(turn => (int[])
            [turn.Role == ChatRole.User ? CompactTokenizer.UserId : CompactTokenizer.AssistantId, .. tokenizer.Encode(turn.Text)]).ToList();
        var length = header.Length + turns.Sum(t => t.Length) + 1;
        var first = 0;
        while (length > maxTokens && first < turns.Count - 1)
        {
            length -= turns[first].Length;
            first++;
        }

        int[] body = [.. header.Skip(2), .. turns.Skip(first).SelectMany(t => t), CompactTokenizer.AssistantId];
        return [CompactTokenizer.BosId, CompactTokenizer.ObsId, .. body.AsSpan(Math.Max(0, body.Length - (maxTokens - 2)))];
    }

    /// <summary>Prompt for one instruction with no earlier dialogue.</summary>
    public static int[] Build(CompactTokenizer tokenizer, string observation, string instruction, int maxTokens) =>
        Build(tokenizer, observation, [new ChatTurn(ChatRole.User, instruction)], maxTokens);

    /// <summary>Target ids of a response: its text then <c>&lt;|eos|&gt;</c> (what SFT learns to emit).</summary>
    public static int[] Response(CompactTokenizer tokenizer, string response)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(response);
        return [.. tokenizer.Encode(response), CompactTokenizer.EosId];
    }
}
