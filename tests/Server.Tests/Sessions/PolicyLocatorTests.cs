using CoopAgent.Server.Sessions;

namespace CoopAgent.Server.Tests.Sessions;

public sealed class PolicyLocatorTests
{
    [Fact]
    public void An_absolute_folder_is_found_and_a_missing_one_is_null()
    {
        var folder = Directory.CreateTempSubdirectory("coop-policy-").FullName;
        try
        {
            Assert.Equal(folder, PolicyLocator.Find(folder));
            Assert.Null(PolicyLocator.Find(Path.Combine(folder, "nope")));
            Assert.Null(PolicyLocator.Find("policies/no-such-policy-anywhere"));
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}
