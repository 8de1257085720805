using System.Text;
using System.Text.Json;
using SetGan.Core.Link;

namespace SetGan.Core.Tests.Link;

/// <summary>The hub files power batches by their header alone; it must read what the agent encodes and refuse what Decode would.</summary>
public sealed class PowerBatchHeaderTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 26, 22, 0, 0, 250, TimeSpan.Zero);

    [Fact]
    public void The_header_of_an_encoded_batch_has_its_fields_and_counts_its_rows()
    {
        var batch = new PowerBatch("pi-01", "ina219", true, From, 2, Enumerable.Range(0, 37).Select(i => new PowerBatch.Row(i * 0.001, 5.1, -0.2, 1e-3)).ToList());

        var header = PowerBatchHeader.Read(batch.Encode());

        header.ShouldBe(new PowerBatchHeader("ina219", true, From, 2, 37));
        PowerBatchHeader.Read((batch with { Samples = [] }).Encode()).Samples.ShouldBe(0);
    }

    [Theory]
    [InlineData("[1, 2]", "a JSON object")]
    [InlineData("""{"from":"2026-11-26T22:00:00Z","samples":[]}""", "names its source")]
    [InlineData("""{"source":"ina219","samples":[]}""", "'from'")]
    [InlineData("""{"source":"ina219","from":"yesterday","samples":[]}""", "'from' in a power batch must be a date")]
    [InlineData("""{"source":"ina219","from":"2026-11-26T22:00:00Z"}""", "'samples' array")]
    [InlineData("""{"source":"ina219","from":"2026-11-26T22:00:00Z","samples":[[1,2,3,4]]}""", "sample 0 is not an object")]
    [InlineData("""{"source":"ina219","from":"2026-11-26T22:00:00Z","samples":[{"t":0,"v":5,"a":0.6,"w":3},{"t":0.1,"v":"5"}]}""", "sample 1 has a value that is not a number")]
    [InlineData("""{"source":"ina219","from":"2026-11-26T22:00:00Z","thinned":-1,"samples":[]}""", "'thinned' in a power batch must be a count")]
    [InlineData("""{"source":"ina219","from":"2026-11-26T22:00:00Z","samples":[{"t":0""", "")]
    public void A_body_that_is_not_a_power_batch_is_refused_with_the_reason(string body, string reason)
    {
        var e = Should.Throw<JsonException>(() => PowerBatchHeader.Read(Encoding.UTF8.GetBytes(body)));

        e.Message.ShouldContain(reason);
    }

    [Fact]
    public void Fields_it_does_not_file_are_skipped_as_decode_skips_them()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"device":"pi-01","source":"rapl","extra":{"a":[1,{"b":2}]},"from":"2026-11-26T22:00:00.25Z","samples":[{"t":0,"v":1,"a":2,"w":2,"note":"x"}]}""");

        PowerBatchHeader.Read(body).ShouldBe(new PowerBatchHeader("rapl", false, From, 0, 1));
        PowerBatch.Decode(body).Samples.Count.ShouldBe(1);
    }
}
