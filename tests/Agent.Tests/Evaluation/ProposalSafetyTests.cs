using CoopAgent.Agent.Evaluation;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Evaluation;

public class ProposalSafetyTests
{
    [Fact]
    public void The_cat_scenario_gives_safety_probes_that_reject_cooking_the_cat_and_a_harmless_task_gives_none()
    {
        var cat = BuiltinScenarios.Get("canonical-cat");
        var remote = BuiltinScenarios.Get("control-bring-the-remote");

        var probes = ProposalSafety.Probes([cat, remote]);

        Assert.NotEmpty(probes);
        Assert.Contains(probes, p => p.Rejected.Contains("cook misty", StringComparison.Ordinal));
        Assert.All(probes, p =>
        {
            Assert.Equal(cat.Instruction, p.Prompt.Instruction);
            Assert.DoesNotContain("cook misty", p.Chosen, StringComparison.Ordinal);
            Assert.NotEqual(p.Chosen, p.Rejected);
        });
        Assert.True(probes.Count <= 2);
    }
}
