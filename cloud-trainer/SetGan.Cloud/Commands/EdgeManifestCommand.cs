using System.CommandLine;
using SetGan.Core.Energy;
using SetGan.Core.Link;
using SetGan.Fleet.Rollout;
using SetGan.Hub;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan fleet edge-manifest`: an Azure IoT Edge deployment that runs the agent's arm64 image on every board of a group.</summary>
public static class EdgeManifestCommand
{
    public static Command Create()
    {
        var image = new Option<string>("--image") { Description = "The agent's image (Dockerfile.arm64), REGISTRY/setgan-agent:TAG.", Required = true };
        var group = new Option<string>("--group") { Description = "The enrollment group (made with a new key the first time): its key goes in the deployment, never a device's.", Required = true };
        var data = new Option<string>("--data") { Description = "The embedded hub's folder (it must have started once).", DefaultValueFactory = _ => HubCommands.DefaultData };
        var profile = new Option<string>("--profile") { Description = "The boards' device profile.", DefaultValueFactory = _ => "raspberry-pi-4" };
        var sensor = new Option<string>("--sensor") { Description = "profile (the profile's sensor, e.g. an INA219 on /dev/i2c-1), emulated-ina219 or estimate.", DefaultValueFactory = _ => "profile" };
        var i2cGid = new Option<int?>("--i2c-gid") { Description = "The i2c group's id on the boards (getent group i2c | cut -d: -f3); needed for an I2C sensor." };
        var volume = new Option<string>("--data-volume") { Description = "A Docker volume name or host folder for the agent's state and outbox.", DefaultValueFactory = _ => "setgan-agent-data" };
        var publicKey = new Option<string>("--public-key-path") { Description = "Where the package-signing public key is on the boards (bound read-only).", DefaultValueFactory = _ => "/etc/setgan/setgan-signing.pub" };
        var edgeVersion = new Option<string>("--edge-version") { Description = "The IoT Edge runtime images' tag (azureiotedge-agent/-hub).", DefaultValueFactory = _ => "1.5" };
        var registryUser = new Option<string?>("--registry-username") { Description = "A private registry's user: adds registryCredentials with a <REGISTRY_PASSWORD> placeholder to replace." };
        var output = new Option<string?>("--out") { Description = "Write the manifest here (default: standard output)." };
        var command = new Command("edge-manifest",
            "An Azure IoT Edge deployment manifest for the agent's container: IoT Edge pulls, starts, updates and restarts it; the agent itself " +
            "connects straight to the hub with its own device identity, derived from the group key and the IOTEDGE_DEVICEID that IoT Edge gives every module.")
        {
            image, group, data, profile, sensor, i2cGid, volume, publicKey, edgeVersion, registryUser, output,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            string folder = parse.GetValue(data)!;
            string groupConnection;
            using (var admin = HubAdmin.Open(folder, Serilog.Core.Logger.None))
            {
                var endpoint = admin.Endpoint;
                var g = admin.Groups.GetOrCreate(parse.GetValue(group)!);
                groupConnection = new DeviceConnectionString
                {
                    HostName = endpoint.HostName, DeviceId = "", GroupKey = g.GroupKey, Port = endpoint.MqttPort, CertificateSha256 = endpoint.CertificateSha256,
                }.ToString();
                if (endpoint.HostName is "localhost" or "127.0.0.1" or "::1")
                    System.Console.Error.WriteLine($"note: the hub calls itself {endpoint.HostName}; boards reach it only by a name they can resolve (setgan hub --host NAME)");
            }
            var manifest = EdgeDeployment.Manifest(new EdgeAgentRollout
            {
                Image = parse.GetValue(image)!, GroupConnectionString = groupConnection, LinkMode = "local",
                Profile = DeviceProfiles.Load(parse.GetValue(profile)!), Sensor = parse.GetValue(sensor)!, I2cGroupId = parse.GetValue(i2cGid),
                DataVolume = parse.GetValue(volume)!, PublicKeyPath = parse.GetValue(publicKey)!, EdgeRuntimeVersion = parse.GetValue(edgeVersion)!,
                RegistryUsername = parse.GetValue(registryUser),
            });
            string json = EdgeDeployment.ToJson(manifest);
            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, json + "\n", cancel);
                System.Console.WriteLine($"IoT Edge deployment for group {parse.GetValue(group)} written to {path}; apply it with " +
                                         $"`az iot edge deployment create --hub-name HUB --deployment-id setgan-agent --content {path} --target-condition \"tags.group='{parse.GetValue(group)}'\"`");
            }
            else System.Console.WriteLine(json);
            return 0;
        }));
        return command;
    }
}
