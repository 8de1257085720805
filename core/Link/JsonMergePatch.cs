using System.Text.Json.Nodes;

namespace SetGan.Core.Link;

/// <summary>
/// RFC 7396 merge patch, as IoT Hub applies twin patches: objects merge key by key, null deletes,
/// anything else replaces. Used by the hub's twin store and by the agent keeping its desired copy.
/// </summary>
public static class JsonMergePatch
{
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        var result = (JsonObject)target.DeepClone();
        Merge(result, patch);
        return result;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null) target.Remove(key);
            else if (value is JsonObject child && target[key] is JsonObject existing) Merge(existing, child);
            else target[key] = value.DeepClone();
        }
    }
}
