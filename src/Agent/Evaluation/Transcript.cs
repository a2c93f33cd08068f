using System.Globalization;
using System.Text;

namespace CoopAgent.Agent.Evaluation;

/// <summary>An episode as text for people: the observation, each turn and result, each answer, the verdict.</summary>
public static class Transcript
{
    public static string Format(EpisodeResult result)
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
        foreach (var step in result.Steps)
        {
            var mark = step.Result.Ok ? "" : "  [failed]";
            text.AppendLine(CultureInfo.InvariantCulture, $"[{step.Step,2}] robot: {step.Turn.Action}{mark}");
            if (step.Step == 0 && step.Turn.Explanation is { } why)
            {
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
