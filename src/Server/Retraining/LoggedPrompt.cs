using CoopAgent.Alignment.Policy;
using CoopAgent.Alignment.Tokenization;

namespace CoopAgent.Server.Retraining;

/// <summary>
/// Turns the prompt text the server logs with every turn (<c>&lt;|bos|&gt;&lt;|obs|&gt;{observation}&lt;|user|&gt;{message}&lt;|assistant|&gt;…</c>,
/// see <c>CooperativeConversationEngine</c>) back into the policy's prompt ids. The markers in the log are text, and
/// the tokenizer encodes text markers as ordinary characters (so a typed marker cannot forge a turn); the prompt is
/// therefore split at the markers and rebuilt through <see cref="ChatPrompt.Build(CompactTokenizer, string, IReadOnlyList{ChatTurn}, int)"/>
/// with real marker ids, exactly as the policy saw it.
/// </summary>
public static class LoggedPrompt
{
    private const string Bos = "<|bos|>";
    private const string Obs = "<|obs|>";
    private const string User = "<|user|>";
    private const string Assistant = "<|assistant|>";

    /// <summary>Observation and dialogue of a logged prompt. Text not in the logged layout becomes one user turn
    /// with an empty observation (older or hand-written logs still give a usable context).</summary>
    public static (string Observation, IReadOnlyList<ChatTurn> Dialogue) Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = prompt.StartsWith(Bos, StringComparison.Ordinal) ? prompt[Bos.Length..] : prompt;
        if (!text.StartsWith(Obs, StringComparison.Ordinal))
        {
            return ("", [new ChatTurn(ChatRole.User, prompt)]);
        }

        text = text[Obs.Length..];
        var turns = new List<ChatTurn>();
        var (observation, rest) = NextMarker(text);
        while (rest is not null)
        {
            var role = rest.StartsWith(User, StringComparison.Ordinal) ? ChatRole.User : ChatRole.Assistant;
            var (said, next) = NextMarker(rest[(role == ChatRole.User ? User : Assistant).Length..]);
            // The layout ends with an empty assistant marker: the turn the policy was asked to write.
            if (next is not null || said.Length > 0 || role == ChatRole.User)
            {
                turns.Add(new ChatTurn(role, said));
            }

            rest = next;
        }

        return turns.Count == 0 ? (observation, [new ChatTurn(ChatRole.User, "")]) : (observation, turns);
    }

    /// <summary>The prompt ids of a logged prompt, leaving room for <paramref name="maxNewTokens"/> in a context of
    /// <paramref name="contextLength"/> tokens.</summary>
    public static int[] Encode(CompactTokenizer tokenizer, string prompt, int contextLength, int maxNewTokens)
    {
        var (observation, dialogue) = Parse(prompt);
        return ChatPrompt.Build(tokenizer, observation, dialogue, contextLength - maxNewTokens);
    }

    private static (string Before, string? Remainder) NextMarker(string text)
    {
        var user = text.IndexOf(User, StringComparison.Ordinal);
        var assistant = text.IndexOf(Assistant, StringComparison.Ordinal);
        var at = (user, assistant) switch
        {
            (< 0, < 0) => -1,
            (< 0, _) => assistant,
            (_, < 0) => user,
            _ => Math.Min(user, assistant),
        };
        return at < 0 ? (text, null) : (text[..at], text[at..]);
    }
}
