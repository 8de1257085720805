using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>
/// Who may connect to the embedded hub, and what a connected device may subscribe to: IoT Hub's rules.
/// The client id is the device id, the user name '{host}/{device}/?api-version=...', the password a SAS
/// token for '{host}/devices/{device}' signed with the device's key.
/// </summary>
internal sealed class DeviceAccess(DeviceRegistry devices, EnrollmentGroups groups, string hostName, TimeProvider time, Serilog.ILogger log)
{
    /// <summary>Marks messages the hub itself injects for one device (no device id can contain '$').</summary>
    public const string HubSenderPrefix = "$hub/";

    public enum Refusal { None, UnknownDevice, BadCredentials }

    /// <summary>Checks a CONNECT; returns the refusal kind and, for the log, the reason.</summary>
    public (Refusal Kind, string? Reason) Check(string clientId, string? userName, string? password)
    {
        if (string.IsNullOrEmpty(clientId)) return (Refusal.UnknownDevice, "the client id is empty (it must be the device id)");
        var device = devices.Get(clientId);
        if (device is null && !string.IsNullOrEmpty(password) && groups.TryEnroll(clientId, password, hostName, time.GetUtcNow()) is { } group)
        {
            log.Information("Device {Device} enrolled itself in group {Group}", clientId, group);
            device = devices.Get(clientId);
        }
        if (device is null) return (Refusal.UnknownDevice, $"device '{clientId}' is not registered (nor signed with an enrollment group's key)");
        if (!device.Enabled) return (Refusal.UnknownDevice, $"device '{clientId}' is disabled");
        string expectedUser = $"{hostName}/{clientId}/";
        if (userName is null || !userName.StartsWith(expectedUser, StringComparison.Ordinal))
            return (Refusal.BadCredentials, $"user name '{userName}' does not start with '{expectedUser}'");
        if (string.IsNullOrEmpty(password)) return (Refusal.BadCredentials, "no SAS token was given as the password");
        string? invalid = SasToken.Validate(password, SasToken.Resource(hostName, clientId), device.PrimaryKey, time.GetUtcNow());
        return invalid is null ? (Refusal.None, null) : (Refusal.BadCredentials, invalid);
    }

    /// <summary>A device subscribes to exactly the filters IoT Hub offers it, and to no other device's.</summary>
    public static bool MaySubscribe(string deviceId, string topicFilter) =>
        new IotHubTopics(deviceId).DeviceSubscriptions.Contains(topicFilter, StringComparer.Ordinal);

    public static string SenderFor(string deviceId) => HubSenderPrefix + deviceId;
}
