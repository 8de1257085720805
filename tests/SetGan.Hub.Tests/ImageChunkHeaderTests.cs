using SetGan.Core.Link;

namespace SetGan.Hub.Tests;

/// <summary>The chunk properties the agent writes are the ones the hub reads (core/Link/ImageChunkHeader).</summary>
public sealed class ImageChunkHeaderTests
{
    private static readonly ImageChunkHeader Header = new("img-7", 1, 3, 500_000, new string('a', 64), 4, 1234, new DateTimeOffset(2026, 5, 1, 12, 0, 0, 250, TimeSpan.FromHours(2)), 0.125, null, true);

    [Fact]
    public void A_header_survives_the_property_bag_exactly()
    {
        var bag = PropertyBag.Decode(PropertyBag.Encode(Header.Properties()));

        ImageChunkHeader.Parse(bag, out string? error).ShouldBe(Header, error);
        bag[MessageProperties.Kind].ShouldBe(MessageProperties.ImageKind);
    }

    [Fact]
    public void Chunks_are_numbered_from_zero()
    {
        var bag = Header.Properties().ToDictionary(p => p.Key, p => p.Value);
        bag[MessageProperties.Chunk] = "3";

        ImageChunkHeader.Parse(bag, out string? error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("0-based");
    }
}
