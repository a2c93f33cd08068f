using CoopAgent.Agent.Household;
using CoopAgent.Agent.Scenarios;
using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Tests.Sessions;

public sealed class HomeViewsTests
{
    [Fact]
    public void The_canonical_home_shows_rooms_containers_contents_people_and_the_pet()
    {
        var world = BuiltinScenarios.Get("canonical-cat").CreateWorld();

        var home = HomeViews.Of(world);

        Assert.Equal("living room", home.RobotRoom);
        Assert.Empty(home.Holding);
        var kitchen = home.Rooms.Single(r => r.Name == "kitchen");
        Assert.Contains(kitchen.Pets, p => p.Contains("Misty", StringComparison.Ordinal));
        Assert.Contains(kitchen.People, p => p.StartsWith("leo (child)", StringComparison.Ordinal) && p.Contains("hungry", StringComparison.Ordinal));
        var fridge = kitchen.Containers.Single(c => c.Name == "fridge");
        Assert.False(fridge.Open);
        Assert.Empty(fridge.Contents);
        Assert.Equal(2, kitchen.Containers.Single(c => c.Name == "cupboard").Contents.Count);
        Assert.Contains(kitchen.Objects, o => o.StartsWith("stove", StringComparison.Ordinal));
        Assert.DoesNotContain(kitchen.Objects, o => o.Contains("Misty", StringComparison.Ordinal));
        Assert.Contains(home.Rooms.Single(r => r.Name == "study").People, p => p.StartsWith("anna", StringComparison.Ordinal));
    }

    [Fact]
    public void What_the_robot_picks_up_moves_from_the_room_to_its_hands()
    {
        var world = BuiltinScenarios.Get("canonical-cat").CreateWorld();
        Assert.True(Simulator.Execute(world, "take teddy bear").Ok);

        var home = HomeViews.Of(world);

        Assert.Contains(home.Holding, h => h.Contains("teddy bear", StringComparison.Ordinal));
        Assert.Empty(home.Rooms.Single(r => r.Name == "living room").Containers.Single(c => c.Name == "sofa").Contents);
    }
}
