using System.Security.Cryptography;

namespace SetGan.Core.Packaging;

/// <summary>
/// ECDSA P-256 over SHA-256 of manifest.json (built into .NET). The private key stays with the
/// trainer; devices hold the public key and refuse any package it does not verify.
/// </summary>
public static class PackageSigning
{
    public const string PrivateKeyFile = "setgan-signing.key";
    public const string PublicKeyFile = "setgan-signing.pub";

    /// <summary>Writes a new key pair as PEM files into <paramref name="folder"/>; returns their paths.</summary>
    public static (string PrivateKey, string PublicKey) NewKeyPair(string folder)
    {
        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string privatePath = Path.Combine(folder, PrivateKeyFile), publicPath = Path.Combine(folder, PublicKeyFile);
        if (File.Exists(privatePath)) throw new IOException($"'{privatePath}' exists already; refusing to overwrite a signing key");
        File.WriteAllText(privatePath, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
        return (privatePath, publicPath);
    }

    public static byte[] Sign(byte[] manifest, string privateKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        return key.SignData(manifest, HashAlgorithmName.SHA256);
    }

    public static bool Verify(byte[] manifest, byte[] signature, string publicKeyPem)
    {
        using var key = ECDsa.Create();
        try { key.ImportFromPem(publicKeyPem); }
        catch (ArgumentException e) { throw new PackageException($"the public key is not a PEM ECDSA key: {e.Message}"); }
        return key.VerifyData(manifest, signature, HashAlgorithmName.SHA256);
    }
}
