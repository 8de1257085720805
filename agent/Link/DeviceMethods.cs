using System.Text.Json.Nodes;
using SetGan.Agent.Hosting;
using SetGan.Agent.Power;
using SetGan.Core.Link;
using Serilog;

namespace SetGan.Agent.Link;

/// <summary>
/// The direct methods the agent answers: status, setBudget, generate and profile. A bad payload is
/// answered 400 with the reason; a request that cannot run now (no package) 409.
/// </summary>
public sealed class DeviceMethods(AgentRuntime runtime, DeviceControl control, GenerationService generation, TwinHandler twin, ILogger log)
{
    public const string Status = "status", SetBudget = "setBudget", Generate = "generate", Profile = "profile";

    public async Task<(int, JsonNode?)> HandleAsync(DeviceClient client, string method, JsonNode? payload, CancellationToken ct)
    {
        log.Information("Direct method {Method} called", method);
        switch (method)
        {
            case Status:
                var state = ReportedState.Of(control.Config, runtime, twin.Status, null, null);
                state["outboxMessages"] = runtime.Outbox.PendingCount;
                state["outboxBytes"] = runtime.Outbox.PendingBytes;
                return (200, state);
            case SetBudget:
                var config = DesiredConfig.Parse(new JsonObject { [TwinProperties.Budget] = payload?.DeepClone() ?? new JsonObject() }, out var errors);
                if (config?.Budget is not { } budget) return Error(400, string.Join("; ", errors.DefaultIfEmpty("payload must be {\"watts\"|\"joulesPerImage\"|\"imagesPerMinute\": number}")));
                if (await control.ApplyAsync(null, null, null, budget, ct) is { } refused) return Error(400, refused);
                await twin.ReportAsync(client, ct);
                return (200, control.Config.Budget.ToJson());
            case Generate:
                int count = payload?["count"] is JsonValue c && c.TryGetValue(out int n) ? n : 1;
                int? k = payload?["k"] is JsonValue kv && kv.TryGetValue(out int kk) ? kk : null;
                if (count is < 1 or > 100) return Error(400, $"count {count} is outside 1..100");
                if (k is { } kCheck && control.Config.Package is { } p && (kCheck < 0 || kCheck > p.FinestScale)) return Error(400, $"k = {kCheck} is outside 0..{p.FinestScale}");
                var images = await generation.GenerateNowAsync(count, k, ct);
                if (images is null) return Error(409, "no package runs yet");
                return (200, new JsonObject
                {
                    ["images"] = new JsonArray(images.Select(i => (JsonNode)new JsonObject
                    {
                        ["k"] = i.K, ["seed"] = i.Seed, ["seconds"] = i.Seconds, ["joules"] = i.Joules, ["estimated"] = i.EnergyEstimated, ["file"] = Path.GetFileName(i.Path),
                    }).ToArray()),
                });
            case Profile:
                if (control.Config.Package is null) return Error(409, "no package runs yet: nothing to profile");
                try
                {
                    var profile = await twin.ProfileAsync(client, ct);
                    return (200, ReportedState.Energy(profile));
                }
                catch (PowerSensorException e) { return Error(500, $"profiling failed: {e.Message}"); }
            default:
                return Error(404, $"no method '{method}'; the agent answers {Status}, {SetBudget}, {Generate} and {Profile}");
        }
    }

    private static (int, JsonNode?) Error(int status, string reason) => (status, new JsonObject { ["error"] = reason });
}
