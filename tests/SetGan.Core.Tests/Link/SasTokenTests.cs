using SetGan.Core.Link;

namespace SetGan.Core.Tests.Link;

public sealed class SasTokenTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private const string Resource = "hub.example/devices/pi-01";

    [Fact]
    public void A_token_signed_with_the_device_key_validates_until_it_expires()
    {
        string token = SasToken.Create(Resource, Key, Now.AddHours(1));
        SasToken.Validate(token, Resource, Key, Now).ShouldBeNull();
        SasToken.Validate(token, Resource, Key, Now.AddHours(1).AddSeconds(1))!.ShouldContain("expired");
        SasToken.Expiry(token).ShouldBe(Now.AddHours(1));
    }

    [Fact]
    public void The_signature_is_the_documented_HMAC_of_the_encoded_resource_and_expiry()
    {
        // Azure's recipe written out independently: sig = Base64(HMACSHA256(key, urlencode(resource) + "\n" + expiry)).
        long se = Now.AddHours(1).ToUnixTimeSeconds();
        using var hmac = new System.Security.Cryptography.HMACSHA256(Convert.FromBase64String(Key));
        string sig = Convert.ToBase64String(hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes($"hub.example%2Fdevices%2Fpi-01\n{se}")));
        SasToken.Create(Resource, Key, Now.AddHours(1)).ShouldBe($"SharedAccessSignature sr=hub.example%2Fdevices%2Fpi-01&sig={System.Net.WebUtility.UrlEncode(sig)}&se={se}");
    }

    [Fact]
    public void A_wrong_key_another_device_or_garbage_is_refused_with_the_reason()
    {
        string token = SasToken.Create(Resource, Key, Now.AddHours(1));
        string otherKey = Convert.ToBase64String(new byte[32]);
        SasToken.Validate(token, Resource, otherKey, Now)!.ShouldContain("does not match the device key");
        SasToken.Validate(token, "hub.example/devices/pi-02", Key, Now)!.ShouldContain("not 'hub.example/devices/pi-02'");
        SasToken.Validate("password", Resource, Key, Now)!.ShouldContain("not a SharedAccessSignature");
    }
}

public sealed class GroupEnrollmentTests
{
    [Fact]
    public void A_device_key_is_the_DPS_derivation_of_the_group_key_and_the_registration_id()
    {
        // Computed independently (Python hmac): Base64(HMAC-SHA256(Base64Decode(group key), "pi-0042")).
        GroupEnrollment.DeviceKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "pi-0042").ShouldBe("cpezNGUXBV9UvIwda5rS1aM5rO0llQbPNk/qiiMSbHg=");
    }

    [Fact]
    public void A_connection_string_with_a_group_key_signs_with_the_derived_key()
    {
        string group = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        var cs = DeviceConnectionString.Parse($"HostName=hub;DeviceId=pi-0042;GroupKey={group}");
        cs.DeviceKey.ShouldBe(GroupEnrollment.DeviceKey(group, "pi-0042"));
        DeviceConnectionString.Parse(cs.ToString()).ShouldBe(cs);
    }

    [Fact]
    public void A_group_string_without_DeviceId_takes_the_device_id_it_is_parsed_for_and_round_trips()
    {
        string group = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        string text = $"HostName=hub;GroupKey={group}";

        var cs = DeviceConnectionString.Parse(text, "pi-0042");
        cs.DeviceKey.ShouldBe("cpezNGUXBV9UvIwda5rS1aM5rO0llQbPNk/qiiMSbHg=");
        DeviceConnectionString.Parse($"HostName=hub;DeviceId=pi-01;GroupKey={group}", "pi-0042").DeviceId.ShouldBe("pi-01"); // its own id wins
        new DeviceConnectionString { HostName = "hub", DeviceId = "", GroupKey = group }.ToString().ShouldBe(text);
        Should.Throw<FormatException>(() => DeviceConnectionString.Parse(text)).Message.ShouldContain("this device's id is not known");
    }
}
