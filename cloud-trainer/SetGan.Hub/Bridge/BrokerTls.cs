using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SetGan.Hub;

/// <summary>Checks a broker's certificate against a private CA (mosquitto's usual setup), host name included.</summary>
internal static class BrokerTls
{
    public static Func<X509Certificate?, X509Chain?, SslPolicyErrors, bool> Validator(string? caFile)
    {
        if (caFile is null) return (_, _, errors) => errors == SslPolicyErrors.None;
        var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        return (certificate, _, errors) =>
        {
            if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
                return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return chain.Build(leaf);
        };
    }
}
