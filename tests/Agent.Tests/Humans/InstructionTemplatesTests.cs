using CoopAgent.Agent.Humans;

namespace CoopAgent.Agent.Tests.Humans;

public class InstructionTemplatesTests
{
    private static readonly InstructionSlots Full = new("Tom", "coffee", "kitchen", "the baby", "he");

    [Theory]
    [MemberData(nameof(AllIntents))]
    public void Every_intent_has_at_least_twenty_surface_forms(InstructionIntent intent)
    {
        var filled = InstructionTemplates.For(intent).Select(t => InstructionTemplates.Fill(t, Full)).Distinct().ToList();
        Assert.True(filled.Count >= 20, $"{intent} has {filled.Count} surface forms");
    }

    [Theory]
    [MemberData(nameof(AllIntents))]
    public void Written_instructions_vary_and_fill_every_slot(InstructionIntent intent)
    {
        var random = new Random(3);
        var written = Enumerable.Range(0, 400).Select(_ => InstructionTemplates.Write(intent, Full, random)).ToList();
        Assert.True(written.Distinct().Count() >= 20);
        Assert.All(written, w => Assert.DoesNotContain("{", w));
    }

    [Fact]
    public void Under_specified_slots_still_give_instructions_without_the_object()
    {
        var slots = new InstructionSlots("me");
        var usable = InstructionTemplates.Usable(InstructionIntent.MakeDrink, slots);
        Assert.NotEmpty(usable);
        Assert.All(usable, t => Assert.DoesNotContain("{item}", t));
    }

    [Fact]
    public void Filling_a_template_with_a_missing_slot_is_refused()
    {
        Assert.Throws<ArgumentException>(() => InstructionTemplates.Fill("bring {recipient} the {item}", new InstructionSlots("me")));
    }

    [Fact]
    public void Typos_swap_two_letters_and_keep_the_length()
    {
        var random = new Random(1);
        const string text = "could you bring me the coffee";
        var typo = InstructionTemplates.AddTypo(text, random);
        Assert.NotEqual(text, typo);
        Assert.Equal(text.Length, typo.Length);
        Assert.Equal(text.OrderBy(c => c), typo.OrderBy(c => c));
    }

    [Fact]
    public void Writing_is_deterministic_from_the_seed()
    {
        string Run(int seed)
        {
            var random = new Random(seed);
            return string.Join("|", Enumerable.Range(0, 50).Select(_ => InstructionTemplates.Write(InstructionIntent.Fetch, Full, random)));
        }

        Assert.Equal(Run(9), Run(9));
        Assert.NotEqual(Run(9), Run(10));
    }

    public static TheoryData<InstructionIntent> AllIntents()
    {
        var data = new TheoryData<InstructionIntent>();
        foreach (var intent in Enum.GetValues<InstructionIntent>())
        {
            data.Add(intent);
        }

        return data;
    }
}
