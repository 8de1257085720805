using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SetGan.Hub;

/// <summary>
/// The embedded hub's TLS certificate, self-signed (ECDSA P-256) for its host name, localhost and
/// 127.0.0.1, made once and kept in the data folder: devices pin its SHA-256, so it must not change
/// between restarts. The MQTT listener and the HTTPS package endpoint share it.
/// </summary>
internal static class HubCertificate
{
    public const string FileName = "hub-certificate.pfx";

    public static X509Certificate2 LoadOrCreate(string dataDir, string hostName, Serilog.ILogger log)
    {
        string path = Path.Combine(dataDir, FileName);
        if (File.Exists(path))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.Exportable);
            if (existing.GetNameInfo(X509NameType.DnsName, forIssuer: false) == hostName && existing.NotAfter > DateTime.Now.AddDays(1))
                return existing;
            log.Warning("Hub certificate {Path} is for {Subject} (until {NotAfter}), not {HostName}; making a new one: devices that pinned the old one must be given the new fingerprint",
                path, existing.Subject, existing.NotAfter, hostName);
            existing.Dispose();
        }
        byte[] pfx = Create(hostName);
        File.WriteAllBytes(path + ".tmp", pfx);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path + ".tmp", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(path + ".tmp", path, overwrite: true);
        var made = X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.Exportable);
        log.Information("Made hub certificate for {HostName}, SHA-256 {Fingerprint}", hostName, Fingerprint(made));
        return made;
    }

    /// <summary>Hex SHA-256 of the DER certificate: what a device pins.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    private static byte[] Create(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hostName}"), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        if (hostName != "localhost") names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return certificate.Export(X509ContentType.Pkcs12);
    }
}
