using SetGan.Agent.Hosting;
using SetGan.Core.Link;

namespace SetGan.Agent.Tests.Hosting;

/// <summary>The device id under IoT Edge: IOTEDGE_DEVICEID when Agent:Device is unset, and a group's connection string that takes it.</summary>
public sealed class AgentOptionsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-options-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly string GroupKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private AgentOptions Linked(string device, string connection)
    {
        string key = Path.Combine(dir, "setgan-signing.pub");
        File.WriteAllText(key, "stand-in");
        return new AgentOptions
        {
            Device = device, Profile = "raspberry-pi-4", PublicKey = key, DataDir = dir,
            Link = new Link.LinkOptions { Mode = Link.LinkModes.Local, ConnectionString = connection },
        };
    }

    private static IEnumerable<string> Errors(AgentOptions o) => new AgentOptionsValidator().Validate(null, o).Failures ?? [];

    [Fact]
    public void The_edge_device_id_fills_an_unset_device_and_never_replaces_a_set_one()
    {
        new AgentOptions().WithEdgeDeviceId("edge-07").Device.ShouldBe("edge-07");
        new AgentOptions { Device = "pi-01" }.WithEdgeDeviceId("edge-07").Device.ShouldBe("pi-01");
        new AgentOptions().WithEdgeDeviceId(null).Device.ShouldBe("");
    }

    [Fact]
    public void A_group_connection_string_without_DeviceId_takes_the_edge_device_id_and_its_derived_key()
    {
        var o = Linked("", $"HostName=hub;GroupKey={GroupKey}").WithEdgeDeviceId("edge-07");

        Errors(o).ShouldBeEmpty();
        var c = DeviceConnectionString.Parse(o.Link.ConnectionString, o.Device);
        c.DeviceId.ShouldBe("edge-07");
        c.DeviceKey.ShouldBe(GroupEnrollment.DeviceKey(GroupKey, "edge-07"));
    }

    [Fact]
    public void Without_any_device_id_the_errors_name_every_way_to_give_one()
    {
        var errors = Errors(Linked("", $"HostName=hub;GroupKey={GroupKey}").WithEdgeDeviceId(null)).ToList();

        errors.ShouldContain("Agent:Device (--device, or IOTEDGE_DEVICEID under IoT Edge) is required: this device's id");
        errors.ShouldContain(e => e.Contains("connection string has no DeviceId, and this device's id is not known"));
    }

    [Fact]
    public void Only_a_group_key_may_leave_the_DeviceId_out()
    {
        string key = Convert.ToBase64String(new byte[32]);

        Errors(Linked("pi-01", $"HostName=hub;SharedAccessKey={key}")).ShouldContain("Agent:Link:ConnectionString: connection string has no DeviceId");
    }

    [Fact]
    public void A_connection_string_for_another_device_is_still_refused()
    {
        Errors(Linked("", $"HostName=hub;DeviceId=pi-01;GroupKey={GroupKey}").WithEdgeDeviceId("edge-07"))
            .ShouldContain("Agent:Link:ConnectionString is for device 'pi-01', not 'edge-07'");
    }

    [Fact]
    public async Task The_agent_program_takes_its_id_from_IOTEDGE_DEVICEID()
    {
        using var process = AgentProcess.Start(new Dictionary<string, string> { [AgentOptions.EdgeDeviceIdVariable] = "edge-07" },
            "--profile", "jetson-nano", "--sensor", "estimate", "--data", dir, "--self-test");
        string stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        process.ExitCode.ShouldBe(0, stdout);
        stdout.ShouldContain("self-test for device edge-07");
    }

    [Fact]
    public void Strip_rows_are_zero_for_whole_images_or_a_positive_height()
    {
        var o = Linked("pi-01", $"HostName=hub;DeviceId=pi-01;SharedAccessKey={GroupKey}");

        Errors(o).ShouldBeEmpty();
        o.OrtStripRows = 32;
        Errors(o).ShouldBeEmpty();
        o.OrtStripRows = -1;
        Errors(o).ShouldContain("Agent:OrtStripRows must be 0 (whole images) or more");
    }
}
