using System.Net;

namespace SetGan.Core.Link;

/// <summary>
/// IoT Hub's message property bag: URL-encoded key=value pairs joined by '&amp;', appended to the
/// telemetry topic. System properties have '$.' names (<see cref="MessageProperties"/>).
/// </summary>
public static class PropertyBag
{
    public static string Encode(IEnumerable<KeyValuePair<string, string>> properties) =>
        string.Join('&', properties.Select(p => $"{Escape(p.Key)}={Escape(p.Value)}"));

    /// <summary>Decodes a bag; a pair without '=' is a key with an empty value, as the hub treats it.</summary>
    public static Dictionary<string, string> Decode(string bag)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in bag.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            string key = WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq]);
            result[key] = eq < 0 ? "" : WebUtility.UrlDecode(pair[(eq + 1)..]);
        }
        return result;
    }

    // Uri.EscapeDataString encodes '$' as %24 and '/' as %2F, which is what the hub expects.
    private static string Escape(string s) => Uri.EscapeDataString(s);
}
