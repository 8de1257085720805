using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SetGan.Hub;

/// <summary>Checks a broker's certificate against a private CA (mosquitto's usual setup), host name included.</summary>
internal static class BrokerTls
{
    public static Func<X509Certificate?, X509Chain?, SslPolicyErrors, bool> Validator(string? caFile)
    {
        if (caFile is null) return (_, _, errors) => errors == SslPolicyErrors.None;
        var roots = SetGan.Core.Link.CertificateTrust.Roots(caFile);
        return (certificate, _, errors) => SetGan.Core.Link.CertificateTrust.ChainsTo(roots, certificate, errors);
    }
}
