using System.Text.Json.Nodes;
using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Fleet.Rollout;

namespace SetGan.Fleet.Tests.Rollout;

/// <summary>The IoT Edge deployment of the agent: IoT Edge's manifest shape, a group's key and never a device's, the board's I2C bus.</summary>
public sealed class EdgeDeploymentTests
{
    private static readonly string GroupKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly string GroupConnection = new DeviceConnectionString
    {
        HostName = "hub.example.net", DeviceId = "", GroupKey = GroupKey, Port = 8884, CertificateSha256 = new string('a', 64),
    }.ToString();

    private static EdgeAgentRollout Rollout(Func<EdgeAgentRollout, EdgeAgentRollout>? change = null)
    {
        var r = new EdgeAgentRollout
        {
            Image = "myregistry.azurecr.io/setgan-agent:0.1.0", GroupConnectionString = GroupConnection,
            Profile = DeviceProfiles.Load("raspberry-pi-4"), I2cGroupId = 998,
        };
        return change is null ? r : change(r);
    }

    // Through the text, as IoT Hub receives it.
    private static JsonNode Manifest(EdgeAgentRollout r) => JsonNode.Parse(EdgeDeployment.ToJson(EdgeDeployment.Manifest(r)))!;

    private static JsonNode Agent(JsonNode m) => m["modulesContent"]!["$edgeAgent"]!["properties.desired"]!;

    private static JsonObject Module(JsonNode m) => Agent(m)["modules"]!["setgan-agent"]!.AsObject();

    /// <summary>Joins the parts the way IoT Edge's agent does: createOptions, then createOptions01, 02, ... with no gap.</summary>
    private static (string Joined, List<string> Parts) CreateOptions(JsonObject settings)
    {
        var parts = new List<string>();
        for (int i = 0; settings[i == 0 ? "createOptions" : $"createOptions{i:D2}"] is { } part; i++) parts.Add(part.GetValue<string>());
        settings.Count(p => p.Key.StartsWith("createOptions", StringComparison.Ordinal)).ShouldBe(parts.Count, "the parts are numbered without a gap");
        return (string.Concat(parts), parts);
    }

    [Fact]
    public void The_manifest_has_IoT_Edges_shape_with_the_runtime_modules_and_the_agent_module()
    {
        var m = Manifest(Rollout());

        var agent = Agent(m);
        agent["schemaVersion"]!.GetValue<string>().ShouldBe("1.1");
        agent["runtime"]!["type"]!.GetValue<string>().ShouldBe("docker");
        agent["runtime"]!["settings"]!["registryCredentials"].ShouldBeNull();
        agent["systemModules"]!["edgeAgent"]!["settings"]!["image"]!.GetValue<string>().ShouldBe("mcr.microsoft.com/azureiotedge-agent:1.5");
        var edgeHub = agent["systemModules"]!["edgeHub"]!;
        edgeHub["settings"]!["image"]!.GetValue<string>().ShouldBe("mcr.microsoft.com/azureiotedge-hub:1.5");
        (edgeHub["status"]!.GetValue<string>(), edgeHub["restartPolicy"]!.GetValue<string>()).ShouldBe(("running", "always"));
        var module = Module(m);
        module["version"]!.GetValue<string>().ShouldBe("1.0");
        module["type"]!.GetValue<string>().ShouldBe("docker");
        module["status"]!.GetValue<string>().ShouldBe("running");
        module["restartPolicy"]!.GetValue<string>().ShouldBe("always");
        module["settings"]!["image"]!.GetValue<string>().ShouldBe("myregistry.azurecr.io/setgan-agent:0.1.0");
        var hub = m["modulesContent"]!["$edgeHub"]!["properties.desired"]!;
        hub["schemaVersion"]!.GetValue<string>().ShouldBe("1.1");
        hub["routes"]!["upstream"]!.GetValue<string>().ShouldBe("FROM /messages/* INTO $upstream");
        hub["storeAndForwardConfiguration"]!["timeToLiveSecs"]!.GetValue<int>().ShouldBe(7200);
    }

    [Fact]
    public void The_agent_module_carries_the_group_key_and_no_device_id_or_device_key()
    {
        var m = Manifest(Rollout());
        var env = Module(m)["env"]!.AsObject();
        string Value(string name) => env[$"SETGAN_Agent__{name}"]!["value"]!.GetValue<string>();

        Value("Profile").ShouldBe("raspberry-pi-4");
        Value("Sensor").ShouldBe("profile");
        Value("Link__Mode").ShouldBe("local");
        Value("PublicKey").ShouldBe("/etc/setgan/setgan-signing.pub");
        Value("DataDir").ShouldBe("/var/lib/setgan-agent");
        env.ContainsKey("SETGAN_Agent__Device").ShouldBeFalse("each container takes IOTEDGE_DEVICEID");
        m.ToJsonString().ShouldNotContain("SharedAccessKey");
        m.ToJsonString().ShouldNotContain("DeviceId=");
        var parsed = DeviceConnectionString.Parse(Value("Link__ConnectionString"), "pi-0042");
        (parsed.DeviceId, parsed.GroupKey, parsed.SharedAccessKey).ShouldBe(("pi-0042", GroupKey, (string?)null));
        parsed.DeviceKey.ShouldBe(GroupEnrollment.DeviceKey(GroupKey, "pi-0042"));
    }

    [Fact]
    public void Create_options_pass_the_i2c_bus_bind_the_data_volume_and_stay_within_512_characters_a_part()
    {
        // A long host folder for the data: the options pass 512 characters and are split.
        string folder = "/media/setgan-usb-ssd/" + string.Join('/', Enumerable.Repeat("agent-state-kept-across-image-updates", 8));
        var (joined, parts) = CreateOptions(Module(Manifest(Rollout(r => r with { DataVolume = folder })))["settings"]!.AsObject());

        parts.Count.ShouldBeGreaterThan(1);
        parts.ShouldAllBe(p => p.Length <= 512);
        var host = JsonNode.Parse(joined)!["HostConfig"]!;
        var device = host["Devices"]!.AsArray().Single()!;
        (device["PathOnHost"]!.GetValue<string>(), device["PathInContainer"]!.GetValue<string>(), device["CgroupPermissions"]!.GetValue<string>())
            .ShouldBe(("/dev/i2c-1", "/dev/i2c-1", "rwm"));
        host["GroupAdd"]!.AsArray().Select(g => g!.GetValue<string>()).ShouldBe(["998"]);
        host["Binds"]!.AsArray().Select(b => b!.GetValue<string>()).ShouldBe([$"{folder}:/var/lib/setgan-agent", "/etc/setgan:/etc/setgan:ro"]);
    }

    [Fact]
    public void Short_create_options_are_one_field_with_a_named_volume()
    {
        var (joined, parts) = CreateOptions(Module(Manifest(Rollout()))["settings"]!.AsObject());

        parts.Count.ShouldBe(1);
        JsonNode.Parse(joined)!["HostConfig"]!["Binds"]![0]!.GetValue<string>().ShouldBe("setgan-agent-data:/var/lib/setgan-agent");
    }

    [Fact]
    public void An_emulated_or_estimated_sensor_gets_no_i2c_device()
    {
        foreach (string sensor in (string[])["emulated-ina219", "estimate"])
        {
            var (joined, _) = CreateOptions(Module(Manifest(Rollout(r => r with { Sensor = sensor, I2cGroupId = null })))["settings"]!.AsObject());
            var host = JsonNode.Parse(joined)!["HostConfig"]!;
            host["Devices"].ShouldBeNull();
            host["GroupAdd"].ShouldBeNull();
        }
    }

    [Fact]
    public void The_I2C_sensor_without_the_boards_i2c_group_id_is_refused_with_how_to_find_it()
    {
        var e = Should.Throw<ArgumentException>(() => EdgeDeployment.Manifest(Rollout(r => r with { I2cGroupId = null })));

        e.Message.ShouldContain("ina219 on /dev/i2c-1");
        e.Message.ShouldContain("getent group i2c");
    }

    [Fact]
    public void A_device_connection_string_is_refused_a_deployment_reaches_many_boards()
    {
        string key = Convert.ToBase64String(new byte[32]);
        foreach (string cs in (string[])[$"HostName=h;DeviceId=pi-01;SharedAccessKey={key}", $"HostName=h;DeviceId=pi-01;GroupKey={key}", $"HostName=h;SharedAccessKey={key}"])
            Should.Throw<ArgumentException>(() => EdgeDeployment.Manifest(Rollout(r => r with { GroupConnectionString = cs })), cs);
    }

    [Fact]
    public void Registry_credentials_appear_only_when_asked_for_with_a_placeholder_password()
    {
        var settings = Agent(Manifest(Rollout(r => r with { RegistryUsername = "puller" })))["runtime"]!["settings"]!;
        var credentials = settings["registryCredentials"]!["setgan"]!;

        credentials["address"]!.GetValue<string>().ShouldBe("myregistry.azurecr.io");
        credentials["username"]!.GetValue<string>().ShouldBe("puller");
        credentials["password"]!.GetValue<string>().ShouldBe("<REGISTRY_PASSWORD>");
        Should.Throw<ArgumentException>(() => EdgeDeployment.Manifest(Rollout(r => r with { Image = "setgan-agent:0.1.0", RegistryUsername = "puller" })))
            .Message.ShouldContain("names no registry");
    }

    [Fact]
    public void The_sensor_and_link_choices_are_the_agents()
    {
        EdgeDeployment.Sensors.ShouldBe([SetGan.Agent.Power.PowerSensors.FromProfile, SetGan.Agent.Power.PowerSensors.Emulated, SetGan.Agent.Power.PowerSensors.Estimate]);
        EdgeDeployment.LinkModes.ShouldBeSubsetOf(SetGan.Agent.Link.LinkModes.All);
    }
}
