using System.Text.Json;
using SetGan.Agent.Outbox;

namespace SetGan.Agent.Tests.Outbox;

public sealed class ImageMessageTests
{
    private static readonly byte[] Png = Enumerable.Range(0, 50_000).Select(i => (byte)(i * 31)).ToArray();
    private static readonly ImageMessage Message = new("pi-01", 5, 42, new DateTimeOffset(2026, 11, 27, 13, 0, 0, TimeSpan.Zero), 0.43, 1.25, false, Png);

    [Fact]
    public void An_image_waits_as_its_PNG_bytes_behind_a_small_header_and_reads_back_the_same()
    {
        byte[] body = Message.Encode();

        body.Length.ShouldBeLessThan(Png.Length + 300); // base64 in JSON was a third larger
        JsonSerializer.SerializeToUtf8Bytes(Message, ImageMessageJson.Default.ImageMessage).Length.ShouldBeGreaterThan(Png.Length * 4 / 3);
        var back = ImageMessage.Decode(body);
        back.Png.ShouldBe(Png);
        (back with { Png = Png }).ShouldBe(Message with { Png = Png });
        (back.Device, back.K, back.Seed, back.Time, back.Seconds, back.Joules, back.EnergyEstimated).ShouldBe(("pi-01", 5, 42, Message.Time, 0.43, (double?)1.25, false));
    }

    [Fact]
    public void A_message_an_older_agent_stored_as_JSON_with_base64_still_reads()
    {
        var back = ImageMessage.Decode(JsonSerializer.SerializeToUtf8Bytes(Message, ImageMessageJson.Default.ImageMessage));

        back.Png.ShouldBe(Png);
        (back.Device, back.K, back.Seed).ShouldBe(("pi-01", 5, 42));
    }

    [Theory]
    [InlineData("SGI1\u0010", "the image message's header is cut short: 5 of 8 bytes")]
    [InlineData("SGI1\u0010\0\0\0{}", "the image message says its metadata is 16 bytes, but the body has 2")]
    [InlineData("SGI1\u0002\0\0\0[]", "the image message's JSON is not valid")]
    [InlineData("{\"device\": 3", "the image message's JSON is not valid")]                   // an old-format body, torn
    [InlineData("null", "the image message is JSON null")]
    public void A_body_that_is_not_an_image_message_is_refused_with_what_is_wrong(string body, string reason)
    {
        Should.Throw<InvalidDataException>(() => ImageMessage.Decode(System.Text.Encoding.Latin1.GetBytes(body)))
            .Message.ShouldStartWith(reason);
    }
}
