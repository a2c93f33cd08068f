using CoopAgent.Agent.Household;

namespace CoopAgent.Agent.Tests.Household;

public class OntologyTests
{
    [Fact]
    public void The_default_ontology_has_at_least_150_kinds_across_the_categories()
    {
        var o = Ontology.Default;
        Assert.True(o.Count >= 150, $"only {o.Count} kinds");
        foreach (var category in new[] { KindCategory.Drink, KindCategory.Food, KindCategory.Fruit, KindCategory.Snack, KindCategory.Tableware,
                     KindCategory.Cleaning, KindCategory.Tool, KindCategory.Appliance, KindCategory.Valuable, KindCategory.Toy, KindCategory.Animal })
        {
            Assert.True(o.Kinds.Count(k => k.Category == category) >= 3, $"too few kinds in {category}");
        }
    }

    [Theory]
    [InlineData("soda", "soda")]
    [InlineData("pop", "soda")]
    [InlineData("coke", "cola")]
    [InlineData("Cokes", "cola")]
    [InlineData("a can of coke", "cola")]
    [InlineData("the fizzy drinks", "soda")]
    [InlineData("a cup of tea", "tea")]
    [InlineData("cuppa", "tea")]
    [InlineData("some coffee", "coffee")]
    [InlineData("decaf", "decaf coffee")]
    [InlineData("OJ", "orange juice")]
    [InlineData("a bottle of water", "water")]
    [InlineData("two glasses of milk", "milk")]
    [InlineData("cold beer", "beer")]
    [InlineData("lager", "beer")]
    [InlineData("red bull", "energy drink")]
    [InlineData("cocoa", "hot chocolate")]
    [InlineData("crisps", "chips")]
    [InlineData("biscuits", "cookie")]
    [InlineData("strawberries", "strawberry")]
    [InlineData("cherries", "unknown")]
    [InlineData("tomatoes", "tomato")]
    [InlineData("potatoes", "potato")]
    [InlineData("knives", "knife")]
    [InlineData("the kitchen knife", "knife")]
    [InlineData("kitty", "cat")]
    [InlineData("puppy", "dog")]
    [InlineData("kids", "child")]
    [InlineData("mobile", "phone")]
    [InlineData("car keys", "keys")]
    [InlineData("refrigerator", "fridge")]
    [InlineData("hob", "stove")]
    [InlineData("washing-up liquid", "dish soap")]
    [InlineData("teddy", "teddy bear")]
    [InlineData("spaghetti", "pasta")]
    [InlineData("mugs", "mug")]
    [InlineData("a slice of pizza", "pizza")]
    [InlineData("the sofa", "sofa")]
    [InlineData("couch", "sofa")]
    [InlineData("dog food", "pet food")]
    [InlineData("toilet paper", "toilet paper")]
    [InlineData("a glass of prosecco", "champagne")]
    [InlineData("nappies", "nappy")]
    [InlineData("the vase of flowers", "vase")]
    [InlineData("earbuds", "headphones")]
    public void Everyday_words_resolve_to_kinds(string words, string kind)
    {
        var found = Ontology.Default.Find(words);
        if (kind == "unknown")
        {
            Assert.Null(found);
            Assert.True(Ontology.Default.Resolve(words).IsUnknown);
            return;
        }

        Assert.NotNull(found);
        Assert.Equal(kind, found.Name);
    }

    [Fact]
    public void Drinks_carry_the_attributes_rewards_are_written_over()
    {
        var o = Ontology.Default;
        Assert.True(o["cola"].Has(Traits.Caffeinated | Traits.Sugary | Traits.Carbonated));
        Assert.True(o["coffee"].Has(Traits.Caffeinated | Traits.Hot));
        Assert.False(o["herbal tea"].Has(Traits.Caffeinated));
        Assert.True(o["beer"].Has(Traits.Alcoholic));
        Assert.False(o["water"].Has(Traits.Sugary));
        Assert.True(o["knife"].Has(Traits.Sharp));
        Assert.True(o["bleach"].Has(Traits.Hazardous));
        Assert.True(o["cat"].Has(Traits.Pet | Traits.Living));
        Assert.False(o["pet food"].Has(Traits.Edible));
        Assert.True(o.IsA(o["champagne"], o["alcohol"]));
    }

    [Fact]
    public void The_is_a_hierarchy_links_specific_kinds_to_general_words()
    {
        var o = Ontology.Default;
        Assert.True(o.IsA(o["cola"], o["soda"]));
        Assert.True(o.IsA(o["cola"], o["drink"]));
        Assert.True(o.IsA(o["apple"], o["food"]));
        Assert.True(o.IsA(o["mug"], o["cup"]));
        Assert.False(o.IsA(o["water"], o["soda"]));
        Assert.False(o.IsA(o["cat"], o["food"]));
    }

    [Fact]
    public void Unknown_words_become_unknown_kinds_with_no_known_attributes()
    {
        var kind = Ontology.Default.Resolve("Flux Capacitor");
        Assert.True(kind.IsUnknown);
        Assert.Equal("flux capacitor", kind.Name);
        Assert.False(kind.Has(Traits.Edible));
    }

    [Fact]
    public void Two_kinds_claiming_one_word_are_refused()
    {
        var table = """
            tea  | Drink | drinkable | cuppa | |
            chai | Drink | drinkable | cuppa | |
            """;
        var error = Assert.Throws<ArgumentException>(() => new Ontology(Ontology.ParseTable(table)));
        Assert.Contains("cuppa", error.Message);
    }
}
