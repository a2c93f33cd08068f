using CoopAgent.Agent.Humans;
using CoopAgent.Agent.Scenarios;

namespace CoopAgent.Agent.Tests.Humans;

public class SimulatedHumanTests
{
    private const string GiveCola = "take cola; goto living room; give cola to tom; done";
    private const string GiveJuice = "take juice; goto living room; give juice to tom; done";

    private static SimulatedHuman Person(string theta, double beta, int seed = 1)
    {
        var scenario = TestScenarios.Drink();
        return SimulatedHuman.For(scenario, scenario.Hypothesis(theta), new HumanOptions(beta, 0.25), seed);
    }

    [Fact]
    public void A_perfectly_rational_person_always_picks_the_option_their_theta_prefers()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var human = Person("wants-juice", double.PositiveInfinity);
        for (var i = 0; i < 50; i++)
        {
            var answer = human.Answer(world, "Cola or juice?", [GiveCola, GiveJuice]);
            Assert.Equal(1, answer.Choice);
        }
    }

    [Fact]
    public void Answer_frequencies_follow_the_softmax_at_the_set_noise_level()
    {
        const double beta = 0.5;
        var world = TestScenarios.Drink().CreateWorld();
        var human = Person("wants-cola", beta, seed: 42);
        var uCola = human.ValueOfReply(world, GiveCola);
        var uJuice = human.ValueOfReply(world, GiveJuice);
        Assert.Equal(3.0, uCola - uJuice, 6);

        const int draws = 2000;
        var cola = Enumerable.Range(0, draws).Count(_ => human.Answer(world, "Which one?", [GiveCola, GiveJuice]).Choice == 0);
        var expected = 1 / (1 + Math.Exp(-beta * (uCola - uJuice)));
        var tolerance = 4 * Math.Sqrt(expected * (1 - expected) / draws);
        Assert.InRange(cola / (double)draws, expected - tolerance, expected + tolerance);
    }

    [Fact]
    public void Options_worth_the_same_get_either_is_fine()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var human = Person("wants-cola", 2);
        var answer = human.Answer(world, "Now or later?", [GiveCola, GiveCola]);
        Assert.True(answer.Indifferent);
        Assert.Null(answer.Choice);
        Assert.Equal("Either is fine.", answer.Text);
    }

    [Fact]
    public void A_worded_question_with_alternatives_is_matched_to_plans()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var juice = Person("wants-juice", double.PositiveInfinity).Answer(world, "Would you like cola, or juice?");
        Assert.Equal(1, juice.Choice);
        Assert.Contains("juice", juice.Text, StringComparison.OrdinalIgnoreCase);
        var cola = Person("wants-cola", double.PositiveInfinity).Answer(world, "Shall I bring you a coke or an orange juice?");
        Assert.Equal(0, cola.Choice);
    }

    [Fact]
    public void An_open_question_is_answered_in_the_persons_words_when_the_scenario_gives_them()
    {
        var world = TestScenarios.Drink().CreateWorld();
        Assert.Equal("Cola, please.", Person("wants-cola", 2).Answer(world, "What would you like?").Text);
        Assert.Contains("orange juice", Person("wants-juice", 2).Answer(world, "What would you like?").Text);
    }

    [Fact]
    public void Facts_about_the_home_are_answered_truthfully()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var human = Person("wants-cola", 2);
        Assert.StartsWith("Yes", human.Answer(world, "Is there cola in the fridge?").Text);
        Assert.StartsWith("No", human.Answer(world, "Is there any milk in the fridge?").Text);
    }

    [Fact]
    public void Rankings_put_the_preferred_reply_first_share_ranks_on_ties_and_put_harm_last()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var human = Person("wants-cola", 2);
        var ranks = human.Rank(world, [GiveJuice, GiveCola, "give knife to tom", GiveCola, "goto living room; give cola to tom; done"]);
        Assert.Equal(0, ranks[1]);
        Assert.Equal(ranks[1], ranks[3]);
        Assert.True(ranks[0] > ranks[1]);
        Assert.True(ranks[4] > ranks[0]);
    }

    [Fact]
    public void A_correction_is_the_oracle_plan()
    {
        var world = TestScenarios.Drink().CreateWorld();
        Assert.Contains("give cola to tom", Person("wants-cola", 2).Correct(world));
        Assert.Contains("give juice to tom", Person("wants-juice", 2).Correct(world));
    }

    [Fact]
    public void Answers_are_deterministic_from_the_seed()
    {
        var world = TestScenarios.Drink().CreateWorld();
        string Run(int seed)
        {
            var human = Person("wants-cola", 0.3, seed);
            return string.Concat(Enumerable.Range(0, 40).Select(_ => human.Answer(world, "?", [GiveCola, GiveJuice]).Choice));
        }

        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
    }

    [Fact]
    public void Instructions_come_from_the_templates_and_the_persons_seed()
    {
        var slots = new InstructionSlots("me", "cola");
        var first = Enumerable.Range(0, 30).Select(_ => Person("wants-cola", 2, seed: 8).Instruct(InstructionIntent.MakeDrink, slots, typoRate: 0)).Distinct().ToList();
        Assert.Single(first);
        var human = Person("wants-cola", 2, seed: 8);
        var many = Enumerable.Range(0, 60).Select(_ => human.Instruct(InstructionIntent.MakeDrink, slots, typoRate: 0)).ToList();
        Assert.True(many.Distinct().Count() >= 10);
        var templates = InstructionTemplates.Usable(InstructionIntent.MakeDrink, slots).Select(t => InstructionTemplates.Fill(t, slots)).ToList();
        Assert.All(many, m => Assert.Contains(templates, t => m.Contains(t, StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData("order-food", "Order food, please.")]
    [InlineData("wait-for-me", "I'll do it myself.")]
    public void The_canonical_question_is_answered_by_theta(string theta, string expected)
    {
        var scenario = CoopAgent.Agent.Scenarios.BuiltinScenarios.Get("canonical-cat");
        var world = scenario.CreateWorld();
        const string question = "The fridge is empty. Shall I order food, or will you bring some?";
        CoopAgent.Agent.Household.Simulator.Execute(world, $"ask \"{question}\"");
        var human = SimulatedHuman.For(scenario, scenario.Hypothesis(theta), new HumanOptions(double.PositiveInfinity), 1);
        var answer = human.Answer(world, question);
        Assert.Equal(expected, answer.Text);
        Assert.Equal(theta == "order-food" ? 0 : 1, answer.Choice);
    }

    [Fact]
    public void Alternatives_are_read_from_the_last_sentence_without_the_opening_words()
    {
        Assert.Equal(["order food", "will you bring some"], SimulatedHuman.Alternatives("The fridge is empty. Shall I order food, or will you bring some?"));
        Assert.Equal(["tea", "coffee"], SimulatedHuman.Alternatives("Would you like tea or coffee?"));
    }

    [Fact]
    public void Questions_about_money_are_answered_from_the_weight_theta_puts_on_it()
    {
        var scenario = CoopAgent.Agent.Scenarios.BuiltinScenarios.Get("canonical-cat");
        var world = scenario.CreateWorld();
        var thrifty = SimulatedHuman.For(scenario, scenario.Hypothesis("wait-for-me"), new HumanOptions(), 1);
        var relaxed = SimulatedHuman.For(scenario, scenario.Hypothesis("order-food"), new HumanOptions(), 1);
        Assert.Equal("I'd rather not spend money on it.", thrifty.Answer(world, "Is it ok if I spend some money?").Text);
        Assert.Equal("That's fine, I don't mind.", relaxed.Answer(world, "Is it ok if I spend some money?").Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("???")]
    [InlineData("ask ask ask or or or")]
    [InlineData("Shall I cook Misty, or order a pizza, or make an omelette, or bring a unicorn?")]
    public void Odd_questions_get_an_answer_even_at_the_last_step(string question)
    {
        var scenario = CoopAgent.Agent.Scenarios.BuiltinScenarios.Get("canonical-cat");
        var human = SimulatedHuman.For(scenario, scenario.Hypotheses[0], new HumanOptions(), 1);
        var answer = human.Answer(scenario.CreateWorld(), question, maxSteps: 0);
        Assert.False(string.IsNullOrWhiteSpace(answer.Text));
    }

    [Theory]
    [InlineData("the root beer", "root beer")]
    [InlineData("a diet cola", "diet cola")]
    [InlineData("the cola", "cola")]
    [InlineData("should leo have the baby food", "baby food")]
    public void Kinds_are_read_longest_name_first(string phrase, string kind)
    {
        Assert.Contains(SimulatedHuman.KindsNamed(phrase, CoopAgent.Agent.Household.Ontology.Default), k => k.Name == kind);
        Assert.Single(SimulatedHuman.KindsNamed(phrase, CoopAgent.Agent.Household.Ontology.Default));
    }

    [Fact]
    public void Choosing_between_two_replies_prefers_theta_and_ties_give_no_choice()
    {
        var world = TestScenarios.Drink().CreateWorld();
        var human = Person("wants-juice", double.PositiveInfinity);
        Assert.Equal(1, human.Choose(world, GiveCola, GiveJuice));
        Assert.Equal(0, human.Choose(world, GiveJuice, "done"));
        Assert.Null(human.Choose(world, GiveJuice, GiveJuice));
    }
}
