using System.Text;
using SetGan.Fleet.Rollout;

namespace SetGan.Fleet.Tests.Rollout;

/// <summary>IoT Edge's createOptions split: 512 characters a twin field, createOptions then createOptions01.., joined back in order.</summary>
public sealed class CreateOptionsChunksTests
{
    [Fact]
    public void Up_to_512_characters_is_one_field_and_one_more_makes_two()
    {
        CreateOptionsChunks.Split(new string('x', 512)).Count.ShouldBe(1);
        var two = CreateOptionsChunks.Split(new string('x', 513));
        two.Select(c => c.Length).ShouldBe([512, 1]);
    }

    [Fact]
    public void The_fields_are_named_createOptions_then_two_digit_numbers()
    {
        Enumerable.Range(0, 3).Select(CreateOptionsChunks.FieldName).ShouldBe(["createOptions", "createOptions01", "createOptions02"]);
        CreateOptionsChunks.FieldName(99).ShouldBe("createOptions99");
    }

    [Fact]
    public void Long_options_come_back_whole_when_joined()
    {
        string json = "{\"HostConfig\":{\"Binds\":[" + string.Join(',', Enumerable.Range(0, 60).Select(i => $"\"/srv/data-{i}:/mnt/{i}\"")) + "]}}";
        var chunks = CreateOptionsChunks.Split(json);

        chunks.Count.ShouldBe((json.Length + 511) / 512);
        string.Concat(chunks).ShouldBe(json);
    }

    [Fact]
    public void Non_ascii_text_stays_within_512_bytes_a_field_and_no_surrogate_pair_is_cut()
    {
        string json = "{\"Labels\":{\"note\":\"" + string.Concat(Enumerable.Repeat("é😀", 300)) + "\"}}";
        var chunks = CreateOptionsChunks.Split(json);

        chunks.ShouldAllBe(c => Encoding.UTF8.GetByteCount(c) <= 512 && c.Length <= 512);
        chunks.ShouldAllBe(c => !char.IsHighSurrogate(c[c.Length - 1]) && !char.IsLowSurrogate(c[0]));
        string.Concat(chunks).ShouldBe(json);
    }

    [Fact]
    public void More_than_IoT_Edge_reads_is_refused()
    {
        Should.Throw<ArgumentException>(() => CreateOptionsChunks.Split(new string('x', 512 * 100 + 1))).Message.ShouldContain("at most 100");
    }
}
