namespace SetGan.Hub;

/// <summary>Where the embedded hub keeps its state and how devices reach it.</summary>
public sealed record HubOptions
{
    /// <summary>SQLite file, TLS certificate, received images and published packages live here.</summary>
    public required string DataDir { get; init; }

    /// <summary>The name devices use: in their SAS tokens and user names, the certificate, and package URLs.</summary>
    public string HostName { get; init; } = "localhost";

    /// <summary>MQTT over TLS; 0 picks a free port.</summary>
    public int MqttPort { get; init; }

    /// <summary>HTTPS package downloads; 0 picks a free port.</summary>
    public int HttpsPort { get; init; }

    /// <summary>How long a direct method waits for the device's answer unless the call says otherwise.</summary>
    public TimeSpan MethodTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock SAS token expiry is checked against.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
