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
}
