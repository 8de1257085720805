using System.Text.Json;
using System.Text.Json.Nodes;
using SetGan.Core.Energy;
using SetGan.Core.Link;

namespace SetGan.Fleet.Rollout;

/// <summary>What an IoT Edge deployment of the agent needs to know: the image, the group, and the boards' hardware.</summary>
public sealed record EdgeAgentRollout
{
    /// <summary>The agent's linux-arm64 image (Dockerfile.arm64), REGISTRY/setgan-agent:TAG.</summary>
    public required string Image { get; init; }

    /// <summary>A group's connection string: GroupKey, no DeviceId, no SharedAccessKey (one string for every board).</summary>
    public required string GroupConnectionString { get; init; }

    /// <summary>The agent's Agent:Link:Mode: local (the embedded hub) or azure.</summary>
    public string LinkMode { get; init; } = "local";

    public required DeviceProfile Profile { get; init; }

    /// <summary>The agent's Agent:Sensor: profile, emulated-ina219 or estimate (agent/Power/PowerSensors.cs).</summary>
    public string Sensor { get; init; } = "profile";

    /// <summary>The i2c group's id on the boards: the container's user (uid 1654) opens /dev/i2c-N through it.</summary>
    public int? I2cGroupId { get; init; }

    /// <summary>A Docker volume name, or a host folder, for the agent's state, outbox and logs.</summary>
    public string DataVolume { get; init; } = "setgan-agent-data";

    /// <summary>The package-signing public key on the boards; its folder is bound read-only at the same path.</summary>
    public string PublicKeyPath { get; init; } = "/etc/setgan/setgan-signing.pub";

    /// <summary>The IoT Edge runtime's images, mcr.microsoft.com/azureiotedge-agent:V and -hub:V.</summary>
    public string EdgeRuntimeVersion { get; init; } = "1.5";

    /// <summary>A private registry's user: adds registryCredentials with a password placeholder to fill in before deploying.</summary>
    public string? RegistryUsername { get; init; }
}

/// <summary>
/// The IoT Edge deployment manifest (modulesContent: $edgeAgent and $edgeHub desired properties) that runs the agent
/// on every board of a group. Shapes as in Azure/iotedge: edgeAgent accepts schemaVersion up to 1.1
/// (EdgeAgentConnection.ExpectedSchemaVersion), env values are {"value": ...} (EnvVal), and createOptions is a JSON
/// string split at 512 characters (<see cref="CreateOptionsChunks"/>).
/// <para>
/// IoT Edge only deploys, updates and restarts the container here. The agent does not use its module identity or
/// edgeHub: it connects with its own device identity (the key derived from the group key and IOTEDGE_DEVICEID)
/// over IoT Hub's MQTT device protocol, straight to the hub, as on a board without IoT Edge; edgeHub routes none
/// of its messages.
/// </para>
/// </summary>
public static class EdgeDeployment
{
    public const string ModuleName = "setgan-agent";
    public const string DataDir = "/var/lib/setgan-agent";
    public const string RegistryPasswordPlaceholder = "<REGISTRY_PASSWORD>";
    public static readonly string[] Sensors = ["profile", "emulated-ina219", "estimate"];
    public static readonly string[] LinkModes = ["local", "azure"];

    public static JsonObject Manifest(EdgeAgentRollout r)
    {
        Check(r);
        var settings = new JsonObject { ["image"] = r.Image };
        var chunks = CreateOptionsChunks.Split(CreateOptions(r).ToJsonString(Readable));
        for (int i = 0; i < chunks.Count; i++) settings[CreateOptionsChunks.FieldName(i)] = chunks[i];

        var runtimeSettings = new JsonObject { ["minDockerVersion"] = "v1.25" };
        if (r.RegistryUsername is { } user)
            runtimeSettings["registryCredentials"] = new JsonObject
            {
                ["setgan"] = new JsonObject { ["address"] = RegistryHost(r.Image), ["username"] = user, ["password"] = RegistryPasswordPlaceholder },
            };

        return new JsonObject
        {
            ["modulesContent"] = new JsonObject
            {
                ["$edgeAgent"] = new JsonObject
                {
                    ["properties.desired"] = new JsonObject
                    {
                        ["schemaVersion"] = "1.1",
                        ["runtime"] = new JsonObject { ["type"] = "docker", ["settings"] = runtimeSettings },
                        ["systemModules"] = new JsonObject
                        {
                            ["edgeAgent"] = new JsonObject
                            {
                                ["type"] = "docker",
                                ["settings"] = new JsonObject { ["image"] = $"mcr.microsoft.com/azureiotedge-agent:{r.EdgeRuntimeVersion}", ["createOptions"] = "{}" },
                            },
                            // No port bindings: no leaf device or module talks to this edgeHub (the agent goes straight to the hub).
                            ["edgeHub"] = new JsonObject
                            {
                                ["type"] = "docker", ["status"] = "running", ["restartPolicy"] = "always",
                                ["settings"] = new JsonObject { ["image"] = $"mcr.microsoft.com/azureiotedge-hub:{r.EdgeRuntimeVersion}", ["createOptions"] = "{}" },
                            },
                        },
                        ["modules"] = new JsonObject
                        {
                            [ModuleName] = new JsonObject
                            {
                                ["version"] = "1.0", ["type"] = "docker", ["status"] = "running", ["restartPolicy"] = "always",
                                ["settings"] = settings,
                                ["env"] = Env(r),
                            },
                        },
                    },
                },
                ["$edgeHub"] = new JsonObject
                {
                    ["properties.desired"] = new JsonObject
                    {
                        ["schemaVersion"] = "1.1",
                        // The default upstream route, for modules that send through edgeHub; the agent's telemetry does not pass here.
                        ["routes"] = new JsonObject { ["upstream"] = "FROM /messages/* INTO $upstream" },
                        ["storeAndForwardConfiguration"] = new JsonObject { ["timeToLiveSecs"] = 7200 },
                    },
                },
            },
        };
    }

    /// <summary>Docker create options: the data volume, the public key (read-only), the I2C bus the profile's sensor is on, small logs.</summary>
    public static JsonObject CreateOptions(EdgeAgentRollout r)
    {
        var host = new JsonObject
        {
            ["Binds"] = new JsonArray($"{r.DataVolume}:{DataDir}", $"{Path.GetDirectoryName(r.PublicKeyPath)}:{Path.GetDirectoryName(r.PublicKeyPath)}:ro"),
        };
        if (I2cBus(r) is { } bus)
        {
            string device = $"/dev/i2c-{bus}";
            host["Devices"] = new JsonArray(new JsonObject { ["PathOnHost"] = device, ["PathInContainer"] = device, ["CgroupPermissions"] = "rwm" });
            // Docker resolves GroupAdd names in the image's /etc/group, which has no i2c: the board's numeric id it is.
            host["GroupAdd"] = new JsonArray(r.I2cGroupId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        // SD cards: the agent keeps its own JSON logs in the data volume; Docker's copy of stdout stays small.
        host["LogConfig"] = new JsonObject { ["Type"] = "json-file", ["Config"] = new JsonObject { ["max-size"] = "10m", ["max-file"] = "3" } };
        return new JsonObject { ["HostConfig"] = host };
    }

    /// <summary>The agent's configuration (SETGAN_Agent__*). No device id and no device key: IoT Edge gives each container IOTEDGE_DEVICEID.</summary>
    private static JsonObject Env(EdgeAgentRollout r)
    {
        var env = new JsonObject();
        void Set(string name, string value) => env[$"SETGAN_Agent__{name}"] = new JsonObject { ["value"] = value };
        Set("Profile", r.Profile.Name);
        Set("Sensor", r.Sensor);
        Set("DataDir", DataDir);
        Set("PublicKey", r.PublicKeyPath);
        Set("Link__Mode", r.LinkMode);
        Set("Link__ConnectionString", r.GroupConnectionString);
        return env;
    }

    /// <summary>The I2C bus to pass into the container: only when the profile's own sensor is an INA219 and it is the one read.</summary>
    private static int? I2cBus(EdgeAgentRollout r) =>
        r.Sensor == "profile" && r.Profile.PowerSensor.Kind == PowerSensorSpec.Ina219 ? r.Profile.PowerSensor.I2cBus : null;

    private static void Check(EdgeAgentRollout r)
    {
        if (string.IsNullOrWhiteSpace(r.Image) || r.Image.Any(char.IsWhiteSpace)) throw new ArgumentException($"image '{r.Image}' is not an image reference (REGISTRY/setgan-agent:TAG)");
        if (!Sensors.Contains(r.Sensor)) throw new ArgumentException($"sensor '{r.Sensor}' is not one of {string.Join(", ", Sensors)}");
        if (!LinkModes.Contains(r.LinkMode)) throw new ArgumentException($"link '{r.LinkMode}' is not one of {string.Join(", ", LinkModes)} (a group key signs IoT Hub SAS tokens)");
        if (!Path.IsPathFullyQualified(r.PublicKeyPath)) throw new ArgumentException($"public key path '{r.PublicKeyPath}' must be absolute (a path on the boards)");
        if (I2cBus(r) is { } bus && r.I2cGroupId is null)
            throw new ArgumentException($"the {r.Profile.Name} profile's sensor ({r.Profile.PowerSensor.Kind} on /dev/i2c-{bus}) needs the boards' i2c group id " +
                                        "(`getent group i2c | cut -d: -f3` on a board): the container's user opens the bus through it. Or choose --sensor emulated-ina219 or estimate");
        if (r.I2cGroupId is < 0) throw new ArgumentException($"i2c group id {r.I2cGroupId} is negative");
        DeviceConnectionString group;
        try { group = DeviceConnectionString.Parse(r.GroupConnectionString, "any-device"); }
        catch (FormatException e) { throw new ArgumentException($"group connection string: {e.Message}"); }
        if (group.GroupKey is null || group.SharedAccessKey is not null || group.DeviceId != "any-device")
            throw new ArgumentException("a deployment goes to many boards: its connection string must be a group's (GroupKey, no DeviceId, no SharedAccessKey)");
        if (r.RegistryUsername is not null) _ = RegistryHost(r.Image);
    }

    /// <summary>The registry part of an image reference (a first segment with a dot or a port, or localhost).</summary>
    private static string RegistryHost(string image)
    {
        int slash = image.IndexOf('/');
        string first = slash > 0 ? image[..slash] : "";
        return first.Contains('.') || first.Contains(':') || first == "localhost"
            ? first
            : throw new ArgumentException($"image '{image}' names no registry (REGISTRY/setgan-agent:TAG) for the registry credentials");
    }

    public static string ToJson(JsonObject manifest) => manifest.ToJsonString(new JsonSerializerOptions(Readable) { WriteIndented = true });

    // Keys (Base64 '+'), the '<...>' placeholder and paths stay as typed, not \u escapes: people read and edit these files.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
