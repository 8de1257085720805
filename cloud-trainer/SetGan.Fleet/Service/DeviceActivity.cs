using System.Collections.Concurrent;
using SetGan.Hub;

namespace SetGan.Fleet.Service;

/// <summary>When each device was last heard from (connected, reported, sent telemetry), since this service started.</summary>
public sealed class DeviceActivity
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> seen = new();

    public DeviceActivity(IDeviceHub hub)
    {
        hub.TelemetryReceived += m => Touch(m.DeviceId);
        hub.ReportedChanged += (id, _) => Touch(id);
        hub.ConnectionChanged += (id, _) => Touch(id);
    }

    public DateTimeOffset? LastSeen(string deviceId) => seen.TryGetValue(deviceId, out var t) ? t : null;

    private void Touch(string deviceId) => seen[deviceId] = DateTimeOffset.UtcNow;
}
