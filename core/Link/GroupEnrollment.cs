using System.Security.Cryptography;
using System.Text;

namespace SetGan.Core.Link;

/// <summary>
/// Group enrollment as IoT Hub's Device Provisioning Service derives keys: one group key goes on every
/// board's image, and each device's own key is Base64(HMAC-SHA256(Base64Decode(group key), registration id)).
/// A device that knows the group key signs its SAS tokens with its derived key; the hub, knowing the
/// group key, derives the same key and registers the device on its first connection.
/// </summary>
public static class GroupEnrollment
{
    public static string DeviceKey(string groupKeyBase64, string registrationId)
    {
        using var hmac = new HMACSHA256(Convert.FromBase64String(groupKeyBase64));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(registrationId)));
    }
}
