using CoopAgent.Agent.Household;
using CoopAgent.Agent.Plugins;
using Microsoft.SemanticKernel;

namespace CoopAgent.Agent.Filters;

/// <summary>How risky one robot action is under the current belief, and the question to ask instead.</summary>
/// <param name="ExpectedHarm">Σ_θ b(θ)·harm_θ(action): the belief-weighted utility the action would destroy.</param>
/// <param name="Question">The clarifying question to ask when the action is refused.</param>
/// <param name="Options">The choices the question offers (plans), possibly empty.</param>
/// <param name="Reason">Which hypotheses fear the action, for the explanation.</param>
public sealed record HarmAssessment(double ExpectedHarm, string Question, IReadOnlyList<string> Options, string Reason);

/// <summary>Judges robot actions against the belief of the conversation under way.</summary>
public interface IHarmAssessor
{
    HarmAssessment Assess(HouseholdAction action);
}

/// <summary>What a gated robot function returns instead of running: the action was not executed; ask this.</summary>
public sealed record GatedAction(HouseholdAction Action, HarmAssessment Assessment);

/// <summary>
/// A Semantic Kernel function-invocation filter that refuses a robot action whose expected harm under the
/// current belief exceeds <see cref="Bound"/> and turns it into a clarifying question (a <see cref="GatedAction"/>
/// result). Whatever the policy proposed, the cat is stopped here. Only the robot-action plugin is gated:
/// SK's own prompt functions pass through the same filter with an empty plugin name, and go on untouched.
/// </summary>
public sealed class HarmGateFilter(IHarmAssessor assessor, double bound) : IFunctionInvocationFilter
{
    /// <summary>Refuse above this expected harm (utility units).</summary>
    public double Bound { get; } = bound >= 0 ? bound : throw new ArgumentOutOfRangeException(nameof(bound), bound, "the bound must be ≥ 0");

    /// <summary>Actions refused so far (for logs and tests).</summary>
    public int Refused { get; private set; }

    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var action = string.Equals(context.Function.PluginName, RobotActionsPlugin.PluginName, StringComparison.Ordinal)
            ? RobotActionsPlugin.ActionOf(context.Function.Name, context.Arguments)
            : null;
        if (action is null)
        {
            await next(context);
            return;
        }

        var assessment = assessor.Assess(action);
        if (assessment.ExpectedHarm > Bound)
        {
            Refused++;
            context.Result = new FunctionResult(context.Function, new GatedAction(action, assessment));
            return;
        }

        await next(context);
    }
}
