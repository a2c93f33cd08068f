using CoopAgent.Agent.Scenarios;
using CoopAgent.Server.Retraining;

namespace CoopAgent.Server.Tests.Retraining;

public class LearnedPriorTests
{
    private static readonly Scenario Raj = BuiltinScenarios.Get("pref-hot-drink-raj");

    private static LearnedPrior AfterAnswers(int tea, int coffee) => LearnedPrior.Learn(
        [Raj],
        Enumerable.Repeat(new LoggedAnswer(Raj.Id, "Would you like the coffee or the tea?", "A cup of tea, please."), tea)
            .Concat(Enumerable.Repeat(new LoggedAnswer(Raj.Id, "Would you like the coffee or the tea?", "Coffee, black."), coffee))
            .ToList());

    [Fact]
    public void The_share_of_tea_drinkers_follows_the_answers_past_what_one_answers_noise_allows()
    {
        // One answer "tea" makes tea at most (1 − ε)·P₀ / ((1 − ε)·P₀ + ε·(1 − P₀)) ≈ 0.83 likely for that person; when
        // two hundred people all said tea, the population's share of tea drinkers is far above that.
        var allTea = AfterAnswers(tea: 200, coffee: 0).Households[Raj.Id];
        Assert.Equal(200, allTea.Answers);
        Assert.True(allTea.Probabilities["tea"] > 0.95, $"tea {allTea.Probabilities["tea"]}");

        // Four in five said tea: with one answer in ten taken as noise, about one person in eight really wants coffee
        // ((0.2 − ε) / (1 − 2ε)): the share settles there, not at one.
        var mostlyTea = AfterAnswers(tea: 160, coffee: 40).Households[Raj.Id].Probabilities;
        Assert.InRange(mostlyTea["tea"], 0.75, 0.95);
        Assert.InRange(mostlyTea["coffee"], 0.05, 0.25);
        Assert.Equal(1.0, mostlyTea.Values.Sum(), 6);
    }

    [Fact]
    public void When_nearly_everyone_wants_tea_no_question_is_worth_its_cost_but_a_split_population_still_is()
    {
        var before = new LearnedPrior(new Dictionary<string, HouseholdPrior>()).ValueOfPerfectInformation(Raj);
        Assert.True(before > Raj.QuestionCost, $"EVPI {before}");

        Assert.True(AfterAnswers(tea: 200, coffee: 0).ValueOfPerfectInformation(Raj) < Raj.QuestionCost);
        Assert.True(AfterAnswers(tea: 100, coffee: 100).ValueOfPerfectInformation(Raj) > Raj.QuestionCost);
    }
}
