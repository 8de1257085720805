using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SetGan.Core.Link;

/// <summary>
/// Trusting a server whose certificate a private CA signed (mosquitto's usual set-up): the chain must
/// end at that CA, and the name must match. The agent checks its broker and package server this way,
/// and the hub's bridge checks its broker.
/// </summary>
public static class CertificateTrust
{
    /// <summary>The CA certificates of a PEM file, read once.</summary>
    public static X509Certificate2Collection Roots(string caPemFile)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPemFile);
        return roots;
    }

    public static bool ChainsTo(X509Certificate2Collection roots, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        return chain.Build(leaf);
    }
}
