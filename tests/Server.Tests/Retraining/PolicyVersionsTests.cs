using CoopAgent.Alignment.Checkpoints;
using CoopAgent.Server.Retraining;

namespace CoopAgent.Server.Tests.Retraining;

[Collection(nameof(RetrainRuns))]
public sealed class PolicyVersionsTests(RetrainFixture fixture)
{
    private static PromotionRecord Record(string why) =>
        new(new Dictionary<string, int> { ["pairs"] = 12 }, new Dictionary<string, double> { ["candidate_success"] = 0.5 }, [why]);

    [Fact]
    public void Without_a_pointer_the_base_folder_serves()
    {
        var versions = new PolicyVersions(fixture.CopyPolicy());
        Assert.Equal("default", versions.Name);
        Assert.Equal("default", versions.CurrentVersion);
        Assert.Equal(["default"], versions.Versions);
        Assert.EndsWith(Path.Combine("policies", "default"), versions.CurrentFolder, StringComparison.Ordinal);
    }

    [Fact]
    public void Promote_makes_v2_then_v3_with_manifests_and_rollback_walks_back_through_the_parents()
    {
        var policy = fixture.CopyPolicy();
        var versions = new PolicyVersions(policy);
        Assert.Equal("default-v2", versions.Promote(fixture.PolicyFolder, Record("first")));
        Assert.Equal("default-v3", versions.Promote(fixture.PolicyFolder, Record("second")));
        Assert.Equal(["default", "default-v2", "default-v3"], versions.Versions);
        Assert.Equal("default-v3", File.ReadAllText(versions.PointerFile).Trim());

        var manifest = CheckpointStore.ReadManifest(versions.CurrentFolder);
        Assert.Equal("default-v3", manifest.Name);
        Assert.Equal("default-v2", manifest.Parent);
        Assert.Equal(0.5, manifest.Metrics["candidate_success"]);
        Assert.Equal("12", manifest.Info["data_pairs"]);
        Assert.Equal(["second"], versions.PromotionOf("default-v3")!.GateDecision);
        // The renamed manifest still matches its weights: the version loads.
        CheckpointStore.LoadGpt(versions.CurrentFolder).Model.Dispose();

        // A -vN folder names the same policy.
        Assert.Equal("default-v3", new PolicyVersions(versions.CurrentFolder).CurrentVersion);
        Assert.Equal("default-v2", versions.Rollback());
        Assert.Equal("default-v2", versions.CurrentVersion);
        Assert.Equal("default", versions.Rollback());
        var error = Assert.Throws<InvalidOperationException>(versions.Rollback);
        Assert.Contains("no earlier version to roll back to", error.Message, StringComparison.Ordinal);
        Assert.Equal("default", versions.CurrentVersion);
    }

    [Fact]
    public void A_copy_left_by_a_crashed_promotion_is_never_a_version_and_is_cleaned_at_the_next_promotion()
    {
        var policy = fixture.CopyPolicy();
        var versions = new PolicyVersions(policy);
        var leftover = Path.Combine(versions.Root, ".default-v2.tmp-0123456789abcdef");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "weights.bin"), "half a file");

        Assert.Equal(["default"], versions.Versions);
        Assert.Equal("default", versions.CurrentVersion);
        Assert.Equal("default-v2", versions.Promote(fixture.PolicyFolder, Record("after a crash")));
        Assert.False(Directory.Exists(leftover));
        Assert.Empty(Directory.EnumerateFileSystemEntries(versions.Root, ".default-v*"));
    }

    [Fact]
    public void A_corrupted_candidate_is_refused_and_nothing_changes()
    {
        var policy = fixture.CopyPolicy();
        var versions = new PolicyVersions(policy);
        var candidate = fixture.NewFolder("candidate");
        Directory.CreateDirectory(candidate);
        foreach (var file in Directory.EnumerateFiles(fixture.PolicyFolder))
        {
            File.Copy(file, Path.Combine(candidate, Path.GetFileName(file)));
        }

        using (var weights = File.OpenWrite(Path.Combine(candidate, CheckpointStore.WeightsFile)))
        {
            weights.Seek(100, SeekOrigin.Begin);
            weights.WriteByte(0x5a);
            weights.WriteByte(0xa5);
        }

        var error = Assert.Throws<CheckpointException>(() => versions.Promote(candidate, Record("corrupt")));
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Equal(["default"], versions.Versions);
        Assert.False(File.Exists(versions.PointerFile));
        Assert.Throws<CheckpointException>(() => versions.Promote(fixture.NewFolder("nothing-here"), Record("missing")));
    }

    [Fact]
    public void A_pointer_to_a_missing_or_foreign_version_is_reported_in_a_sentence()
    {
        var versions = new PolicyVersions(fixture.CopyPolicy());
        File.WriteAllText(versions.PointerFile, "default-v9\n");
        Assert.Contains("does not exist", Assert.Throws<InvalidDataException>(() => versions.CurrentVersion).Message, StringComparison.Ordinal);
        File.WriteAllText(versions.PointerFile, "other-v2\n");
        Assert.Contains("not a version of policy 'default'", Assert.Throws<InvalidDataException>(() => versions.CurrentFolder).Message, StringComparison.Ordinal);
    }
}
