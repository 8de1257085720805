using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>
/// Direct methods: a request on '$iothub/methods/POST/{name}/?$rid=n', the device's answer on
/// '$iothub/methods/res/{status}/?$rid=n'. Each call waits for the answer with its rid, or times out.
/// </summary>
internal sealed class DirectMethods(IHubTransport transport, Func<string, bool> isConnected, TimeSpan defaultTimeout, Serilog.ILogger log)
{
    private readonly ConcurrentDictionary<(string Device, string Rid), TaskCompletionSource<MethodResult>> pending = new();
    private long nextRid;

    public async Task<MethodResult> InvokeAsync(string deviceId, string method, JsonNode? payload, TimeSpan? timeout, CancellationToken ct)
    {
        if (method.Length == 0 || method.IndexOfAny(['/', '+', '#', '?']) >= 0) throw new ArgumentException($"method name '{method}' cannot be part of a topic", nameof(method));
        if (!isConnected(deviceId)) throw new DeviceNotConnectedException(deviceId);
        string rid = Interlocked.Increment(ref nextRid).ToString("x", CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<MethodResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[(deviceId, rid)] = answer;
        var limit = timeout ?? defaultTimeout;
        try
        {
            byte[] body = Encoding.UTF8.GetBytes(payload?.ToJsonString() ?? "null");
            await transport.SendAsync(deviceId, new IotHubTopics(deviceId, transport.Dialect).MethodRequest(method, rid), body, ct);
            return await answer.Task.WaitAsync(limit, ct);
        }
        catch (TimeoutException)
        {
            log.Warning("Method {Method} on {Device} got no answer in {Seconds} s", method, deviceId, limit.TotalSeconds);
            throw new TimeoutException($"device '{deviceId}' did not answer method '{method}' within {limit.TotalSeconds:0.###} s");
        }
        finally { pending.TryRemove((deviceId, rid), out _); }
    }

    /// <summary>The device's answer; an answer nobody waits for (late, or for another hub) is logged and dropped.</summary>
    public void Answer(string deviceId, string rid, int status, byte[] body)
    {
        if (!pending.TryRemove((deviceId, rid), out var call))
        {
            log.Information("Method answer {Rid} from {Device} matches no waiting call (late?)", rid, deviceId);
            return;
        }
        JsonNode? payload;
        try { payload = body.Length == 0 ? null : JsonNode.Parse(body); }
        catch (JsonException) { payload = JsonValue.Create(Encoding.UTF8.GetString(body)); } // keep what the device said, even if not JSON
        call.TrySetResult(new MethodResult(status, payload));
    }

    /// <summary>A device that drops its connection will not answer: its callers learn now, not at their timeout.</summary>
    public void Disconnected(string deviceId)
    {
        foreach (var key in pending.Keys.Where(k => k.Device == deviceId).ToList())
            if (pending.TryRemove(key, out var call)) call.TrySetException(new DeviceNotConnectedException(deviceId));
    }
}
