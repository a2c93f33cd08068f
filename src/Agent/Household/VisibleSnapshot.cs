namespace CoopAgent.Agent.Household;

/// <summary>What the robot can see, as data (the structured twin of <see cref="World.Describe"/>).</summary>
/// <param name="RobotRoom">Where the robot is.</param>
/// <param name="HandCapacity">How many items it can hold.</param>
/// <param name="Rooms">Every room of the home, by name (the robot knows the floor plan).</param>
/// <param name="SeenRooms">Rooms whose contents are visible: the robot's room and observed rooms.</param>
/// <param name="Items">Visible items; contents of closed containers and of unseen rooms are absent.</param>
/// <param name="People">People in seen rooms.</param>
/// <param name="DeliveryAvailable">Whether <c>order</c> can work here.</param>
public sealed record VisibleSnapshot(
    string RobotRoom,
    int HandCapacity,
    IReadOnlyList<string> Rooms,
    IReadOnlyList<string> SeenRooms,
    IReadOnlyList<VisibleItem> Items,
    IReadOnlyList<VisiblePerson> People,
    bool DeliveryAvailable);

/// <summary>One visible item and its visible state.</summary>
public sealed record VisibleItem(
    string Id,
    string Name,
    string Kind,
    string Room,
    string? ContainerId,
    bool Held,
    string? HeldByPerson,
    Traits Traits,
    bool IsContainer,
    bool IsOpen,
    bool IsOn,
    bool IsHot,
    bool IsCooked,
    bool IsDirty,
    bool IsSpoiled,
    bool IsBroken,
    bool IsHarmed,
    string? Filling);

/// <summary>One visible person.</summary>
public sealed record VisiblePerson(string Name, bool IsChild, string Role, string Room, bool IsHungry, bool IsThirsty, bool IsHarmed);
