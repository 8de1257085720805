using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SetGan.Core.Link;

namespace SetGan.Agent.Link;

/// <summary>
/// Whom the agent trusts, for MQTT and for package downloads alike: the embedded hub's self-signed
/// certificate pinned by SHA-256, a private CA file (a mosquitto set-up), or the system store (Azure).
/// </summary>
public static class ServerTrust
{
    public static bool Accepts(DeviceConnectionString connection, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null) return false;
        byte[] der = presented.GetRawCertData();
        if (connection.CertificateSha256 is { } pin)
            return string.Equals(Convert.ToHexStringLower(SHA256.HashData(der)), pin, StringComparison.OrdinalIgnoreCase);
        if (connection.CaFile is { } caFile) return CertificateTrust.ChainsTo(CertificateTrust.Roots(caFile), presented, errors);
        return errors == SslPolicyErrors.None;
    }
}
