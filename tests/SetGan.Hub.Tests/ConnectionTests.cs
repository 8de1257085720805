using MQTTnet;
using MQTTnet.Formatter;

namespace SetGan.Hub.Tests;

/// <summary>Who gets in: IoT Hub's rules for client id, user name and SAS token, over TLS.</summary>
public sealed class ConnectionTests : HubTest
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_registered_device_with_a_valid_SAS_token_connects_over_TLS(MqttProtocolVersion protocol)
    {
        f.Hub.Devices.Add("pi-01");
        var changes = new List<(string, bool)>();
        f.Hub.ConnectionChanged += (id, up) => { lock (changes) changes.Add((id, up)); };

        await using var device = await TestDevice.ConnectAsync(f.Hub, "pi-01", protocol: protocol);

        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.Success);
        f.Hub.IsConnected("pi-01").ShouldBeTrue();
        changes.ShouldBe([("pi-01", true)]);
    }

    [Fact]
    public async Task A_token_signed_with_the_wrong_key_is_refused_and_the_reason_logged()
    {
        f.Hub.Devices.Add("pi-01");
        await using var device = await TestDevice.ConnectAsync(f.Hub, "pi-01", key: Convert.ToBase64String(new byte[32]));

        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.BadUserNameOrPassword);
        f.Hub.IsConnected("pi-01").ShouldBeFalse();
        await f.Log.WaitForAsync("pi-01", "refused", "signature does not match");
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        f.Hub.Devices.Add("pi-01");
        await using var device = await TestDevice.ConnectAsync(f.Hub, "pi-01", expiry: DateTimeOffset.UtcNow.AddMinutes(-1));

        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.BadUserNameOrPassword);
        await f.Log.WaitForAsync("pi-01", "refused", "expired");
    }

    [Fact]
    public async Task A_connection_is_dropped_when_its_SAS_token_expires()
    {
        f.Hub.Devices.Add("pi-01");
        await using var device = await TestDevice.ConnectAsync(f.Hub, "pi-01", expiry: DateTimeOffset.UtcNow.AddSeconds(2));
        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.Success);

        await device.Disconnected.WaitAsync(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
        await f.Log.WaitForAsync("pi-01", "expired", "disconnecting");
    }

    [Fact]
    public async Task An_unknown_device_is_refused()
    {
        await using var device = await TestDevice.ConnectAsync(f.Hub, "stranger");

        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.NotAuthorized);
        await f.Log.WaitForAsync("stranger", "not registered");
    }

    [Fact]
    public async Task A_disabled_device_is_refused()
    {
        f.Hub.Devices.Add("pi-01");
        f.Hub.Devices.SetEnabled("pi-01", false);

        await using var device = await TestDevice.ConnectAsync(f.Hub, "pi-01");

        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.NotAuthorized);
        await f.Log.WaitForAsync("pi-01", "disabled");
    }

    [Fact]
    public async Task Disabling_or_removing_a_connected_device_disconnects_it_at_once()
    {
        f.Hub.Devices.Add("pi-01");
        f.Hub.Devices.Add("pi-02");
        await using var one = await f.ConnectAsync("pi-01");
        await using var two = await f.ConnectAsync("pi-02");

        f.Hub.Devices.SetEnabled("pi-01", false);
        f.Hub.Devices.Remove("pi-02").ShouldBeTrue();

        f.Hub.IsConnected("pi-01").ShouldBeFalse();
        f.Hub.IsConnected("pi-02").ShouldBeFalse();
        await one.Disconnected.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        await two.Disconnected.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_second_connection_with_the_same_device_id_replaces_the_first()
    {
        f.Hub.Devices.Add("pi-01");
        await using var first = await f.ConnectAsync("pi-01");
        await using var second = await f.ConnectAsync("pi-01");

        await first.Disconnected.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        second.Client.IsConnected.ShouldBeTrue();
        f.Hub.IsConnected("pi-01").ShouldBeTrue();
    }

    [Fact]
    public async Task The_connection_string_carries_what_a_device_needs_to_reach_and_pin_this_hub()
    {
        var device = f.Hub.Devices.Add("pi-01");

        var parsed = SetGan.Core.Link.DeviceConnectionString.Parse(f.Hub.ConnectionString("pi-01"));

        parsed.ShouldSatisfyAllConditions(
            p => p.HostName.ShouldBe("localhost"), p => p.DeviceId.ShouldBe("pi-01"), p => p.SharedAccessKey.ShouldBe(device.PrimaryKey),
            p => p.Port.ShouldBe(f.Hub.MqttPort), p => p.CertificateSha256.ShouldBe(f.Hub.CertificateSha256));
        Convert.FromBase64String(device.PrimaryKey).Length.ShouldBe(32);
    }

    [Fact]
    public async Task The_certificate_is_kept_across_restarts_so_pinned_devices_still_connect()
    {
        f.Hub.Devices.Add("pi-01");
        string before = f.Hub.CertificateSha256;

        await f.RestartAsync();

        f.Hub.CertificateSha256.ShouldBe(before);
        await using var device = await TestDevice.ConnectAsync(f.Hub, "pi-01", pin: before);
        device.ConnectResult!.ResultCode.ShouldBe(MqttClientConnectResultCode.Success);
    }
}
