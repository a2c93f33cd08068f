using CoopAgent.Alignment.Generation;

namespace CoopAgent.Alignment.Tests.Generation;

public sealed class TokenMaskTests
{
    [Fact]
    public void Reads_as_the_bools_it_was_given()
    {
        var mask = new TokenMask(130);
        int[] allowed = [0, 5, 63, 64, 65, 127, 128, 129];
        foreach (var id in allowed)
        {
            mask.Allow(id);
        }

        Assert.Equal(130, mask.Count);
        Assert.Equal(Enumerable.Range(0, 130).Select(allowed.Contains), mask);
        Assert.True(mask.Any);
    }

    [Fact]
    public void Walks_the_allowed_ids_in_order_across_word_boundaries()
    {
        var mask = new TokenMask(200);
        int[] allowed = [3, 63, 64, 120, 128, 191, 199];
        foreach (var id in allowed)
        {
            mask.Allow(id);
        }

        var walked = new List<int>();
        for (var id = mask.NextAllowed(0); id >= 0; id = mask.NextAllowed(id + 1))
        {
            walked.Add(id);
        }

        Assert.Equal(allowed, walked);
        Assert.Equal(63, mask.NextAllowed(4));
        Assert.Equal(64, mask.NextAllowed(64));
        Assert.Equal(-1, mask.NextAllowed(200));
        Assert.Equal(3, mask.NextAllowed(-5));
    }

    [Fact]
    public void An_empty_mask_allows_nothing()
    {
        var mask = new TokenMask(70);
        Assert.False(mask.Any);
        Assert.Equal(-1, mask.NextAllowed(0));
        Assert.DoesNotContain(true, mask);
        Assert.Empty(new TokenMask(0));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_refused()
    {
        var mask = new TokenMask(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => mask.Allow(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => mask.Allow(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => mask[10]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenMask(-1));
    }
}
