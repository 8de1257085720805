using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Core.Tests.Link;

public sealed class DesiredConfigTests
{
    private static readonly string Sha = new('a', 64);

    [Fact]
    public void A_full_document_gives_package_k_and_budget()
    {
        var desired = JsonNode.Parse($$"""
            { "package": { "url": "https://hub:8443/packages/{{Sha}}.tar", "sha256": "{{Sha.ToUpperInvariant()}}", "signature": "AAEC" },
              "k": 3, "budget": { "watts": 2.5, "joulesPerImage": 0.8, "imagesPerMinute": 12 } }
            """)!.AsObject();
        var config = DesiredConfig.Parse(desired, out var errors)!;
        errors.ShouldBeEmpty();
        config.Package.ShouldBe(new PackageReference($"https://hub:8443/packages/{Sha}.tar", Sha, "AAEC"));
        config.K.ShouldBe(3);
        config.Budget.ShouldBe(new BudgetSettings(2.5, 0.8, 12));
    }

    [Theory]
    [InlineData("""{ "k": -1 }""", "k -1 must be a whole number")]
    [InlineData("""{ "k": 2.5 }""", "k 2.5 must be a whole number")]
    [InlineData("""{ "k": "three" }""", "must be a whole number")]
    [InlineData("""{ "budget": { "watts": -2 } }""", "budget.watts -2 must be a number")]
    [InlineData("""{ "budget": 5 }""", "budget must be an object")]
    [InlineData("""{ "package": { "url": "http://x/p.tar", "sha256": "aa", "signature": "%%" } }""", "is not an https:// URL")]
    [InlineData("""{ "package": { "url": "https://x/p.tar" } }""", "package.sha256 is missing")]
    public void A_bad_field_rejects_the_document_with_the_reason(string json, string reason)
    {
        DesiredConfig.Parse(JsonNode.Parse(json)!.AsObject(), out var errors).ShouldBeNull();
        string.Join("; ", errors).ShouldContain(reason);
    }

    [Fact]
    public void Merge_patches_merge_objects_delete_on_null_and_replace_the_rest()
    {
        var twin = JsonNode.Parse("""{ "k": 2, "budget": { "watts": 3, "imagesPerMinute": 6 }, "old": 1 }""")!.AsObject();
        var patched = JsonMergePatch.Apply(twin, JsonNode.Parse("""{ "budget": { "watts": 1.5 }, "old": null, "k": 4 }""")!.AsObject());
        patched.ToJsonString().ShouldBe("""{"k":4,"budget":{"watts":1.5,"imagesPerMinute":6}}""");
        twin["k"]!.GetValue<int>().ShouldBe(2); // the original is untouched
    }

    [Fact]
    public void Connection_strings_parse_Azure_fields_and_our_additions_and_refuse_what_is_missing()
    {
        string key = Convert.ToBase64String(new byte[32]);
        var cs = DeviceConnectionString.Parse($"HostName=hub.azure-devices.net;DeviceId=pi-01;SharedAccessKey={key};GatewayHostName=edge.local;Port=8884;CertificateSha256=ab");
        cs.ConnectHost.ShouldBe("edge.local");
        cs.Port.ShouldBe(8884);
        DeviceConnectionString.Parse(cs.ToString()).ShouldBe(cs);
        Should.Throw<FormatException>(() => DeviceConnectionString.Parse("HostName=h;SharedAccessKey=" + key)).Message.ShouldContain("no DeviceId");
        Should.Throw<FormatException>(() => DeviceConnectionString.Parse("HostName=h;DeviceId=d;SharedAccessKey=not base64!")).Message.ShouldContain("not Base64");
    }
}
