using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace SetGan.Core.Link;

/// <summary>
/// IoT Hub's shared access signature: sr = URL-encoded resource, sig = Base64(HMAC-SHA256(key,
/// sr + "\n" + expiry)), se = expiry in Unix seconds. The device signs with its key; the hub
/// recomputes and compares in constant time.
/// </summary>
public static class SasToken
{
    public static string Resource(string hostName, string deviceId) => $"{hostName}/devices/{deviceId}";

    public static string Create(string resource, string base64Key, DateTimeOffset expiry)
    {
        string sr = WebUtility.UrlEncode(resource);
        long se = expiry.ToUnixTimeSeconds();
        string sig = Sign(sr, se, base64Key);
        return $"SharedAccessSignature sr={sr}&sig={WebUtility.UrlEncode(sig)}&se={se.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Checks a token against a key, a resource and the time; null when valid, else why not.</summary>
    public static string? Validate(string token, string resource, string base64Key, DateTimeOffset now)
    {
        if (!TryParse(token, out var sr, out var sig, out var se)) return "the password is not a SharedAccessSignature token";
        if (!string.Equals(WebUtility.UrlDecode(sr), resource, StringComparison.OrdinalIgnoreCase)) return $"the token is for '{WebUtility.UrlDecode(sr)}', not '{resource}'";
        if (se <= now.ToUnixTimeSeconds()) return $"the token expired at {DateTimeOffset.FromUnixTimeSeconds(se):O}";
        byte[] expected, given;
        try
        {
            expected = Convert.FromBase64String(Sign(sr, se, base64Key));
            given = Convert.FromBase64String(WebUtility.UrlDecode(sig));
        }
        catch (FormatException) { return "the token's signature is not Base64"; }
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : "the token's signature does not match the device key";
    }

    /// <summary>The expiry a token claims (to schedule its renewal), or null if it is not a token.</summary>
    public static DateTimeOffset? Expiry(string token) =>
        TryParse(token, out _, out _, out var se) ? DateTimeOffset.FromUnixTimeSeconds(se) : null;

    private static string Sign(string encodedResource, long expiry, string base64Key)
    {
        using var hmac = new HMACSHA256(Convert.FromBase64String(base64Key));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{encodedResource}\n{expiry.ToString(CultureInfo.InvariantCulture)}")));
    }

    private static bool TryParse(string token, out string sr, out string sig, out long se)
    {
        sr = sig = ""; se = 0;
        const string prefix = "SharedAccessSignature ";
        if (!token.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var fields = token[prefix.Length..].Split('&').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        return fields.TryGetValue("sr", out sr!) && fields.TryGetValue("sig", out sig!) &&
               fields.TryGetValue("se", out var seText) && long.TryParse(seText, NumberStyles.None, CultureInfo.InvariantCulture, out se);
    }
}
