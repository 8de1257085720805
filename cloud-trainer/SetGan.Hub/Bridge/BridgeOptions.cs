namespace SetGan.Hub;

/// <summary>How the bridge reaches a plain MQTT broker (mosquitto): TLS to Host:Port, trusting CaFile, as Username.</summary>
public sealed record BridgeOptions
{
    /// <summary>SQLite file and received images live here (the same layout as the embedded hub's).</summary>
    public required string DataDir { get; init; }
    public required string Host { get; init; }
    public int Port { get; init; } = 8883;
    public required string Username { get; init; }
    public required string Password { get; init; }

    /// <summary>PEM file of the CA that signed the broker's certificate; null trusts the system's roots.</summary>
    public string? CaFile { get; init; }

    /// <summary>The bridge's MQTT client id; its session (messages queued while it is away) persists on the broker under it.</summary>
    public string ClientId { get; init; } = "setgan-hub-bridge";

    public TimeSpan MethodTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Serve packages over HTTPS with this certificate (with its private key), so devices on the broker
    /// get packages too; a certificate from the broker's CA lets devices trust both with one CaFile.
    /// Null: no package endpoint, and <see cref="BrokerBridge.PublishPackage"/> refuses.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? PackagesCertificate { get; init; }

    /// <summary>The name devices use in package URLs (it must be in the certificate).</summary>
    public string PackagesHostName { get; init; } = "localhost";

    /// <summary>HTTPS port for packages; 0 picks a free one.</summary>
    public int HttpsPort { get; init; }
}
