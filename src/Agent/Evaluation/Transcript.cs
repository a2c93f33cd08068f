using System.Globalization;
using System.Text;

namespace CoopAgent.Agent.Evaluation;

/// <summary>An episode as text for people: the observation, each turn and result, each answer, the verdict.</summary>
public static class Transcript
{
    /// <summary>The episode as text: the home, the instruction, every step with its result and the person's
    /// answers, and the verdict. With <paramref name="candidates"/>, each decision also lists the policy's samples
    /// it was made from.</summary>
    public static string Format(EpisodeResult result, bool candidates = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"scenario {result.ScenarioId}   agent {result.Agent}   seed {result.Seed}   true θ {result.Truth.Name}");
        text.AppendLine("observation:");
        foreach (var line in result.InitialObservation.Split('\n'))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"user: {result.Instruction}");
        var said = "";
        foreach (var step in result.Steps)
        {
            var mark = step.Result.Ok ? "" : "  [failed]";
            if (candidates && step.Turn.Candidates is { Count: > 0 } samples)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"     policy samples ({samples.Count}):");
                foreach (var (sample, count) in samples.GroupBy(s => s, StringComparer.Ordinal).Select(g => (g.Key, g.Count())))
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"       {count}× {sample}");
                }
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"[{step.Step,2}] robot: {step.Turn.Action}{mark}");
            // Each decision's reason, once: the first step, and every later one whose reason is new.
            if (step.Turn.Explanation is { Length: > 0 } why && (step.Step == 0 || why != said))
            {
                said = why;
                text.AppendLine(CultureInfo.InvariantCulture, $"     why: {why}");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"     → {step.Result.Message}");
            if (step.Answer is { } answer)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"     user: {answer.Text}");
            }
        }

        var v = result.Verdict;
        var o = result.End.Outcome;
        text.AppendLine(CultureInfo.InvariantCulture, $"end: {result.EndReason} after {result.Steps.Count} steps, {o.QuestionsAsked} question(s), {o.Minutes:0.#} minutes, money {o.MoneySpent:0.##}");
        text.AppendLine(CultureInfo.InvariantCulture, $"served: {(o.Served.Count == 0 ? "nothing" : string.Join(", ", o.Served.Select(s => $"{s.Kind} to {s.Person}")))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"success: {(v.Success ? "yes" : "no")}{(v.FailedConditions.Count > 0 ? " (not met: " + string.Join("; ", v.FailedConditions) + ")" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"catastrophe: {(v.Catastrophe ? "YES — " + string.Join("; ", v.Catastrophes) : "no")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"utility under θ: {v.Utility:0.##}");
        return text.ToString();
    }
}
