namespace SetGan.Agent.Link;

/// <summary>Which cloud the agent talks to (Agent:Link:Mode).</summary>
public static class LinkModes
{
    /// <summary>No link: images and power wait in the outbox.</summary>
    public const string None = "none";
    /// <summary>The embedded hub of `setgan hub` (IoT Hub dialect, SAS, pinned self-signed certificate).</summary>
    public const string Local = "local";
    /// <summary>Azure IoT Hub with a real connection string (system trust store).</summary>
    public const string Azure = "azure";
    /// <summary>Any MQTT broker (mosquitto): username/password, '$iothub' topics scoped under devices/{id}/.</summary>
    public const string Mqtt = "mqtt";

    public static readonly string[] All = [None, Local, Azure, Mqtt];
}

/// <summary>The link's configuration ("Agent:Link").</summary>
public sealed class LinkOptions
{
    public string Mode { get; set; } = LinkModes.None;

    /// <summary>The device connection string (see DeviceConnectionString for the fields beyond Azure's).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>How long each SAS token lives; the agent reconnects with a fresh one at 80% of it.</summary>
    public double TokenMinutes { get; set; } = 60;

    /// <summary>The longest wait between reconnect attempts (exponential backoff with jitter up to this).</summary>
    public double MaxBackoffSeconds { get; set; } = 60;

    /// <summary>Outbox messages sent per round before it looks for more.</summary>
    public int SendBatch { get; set; } = 64;
}
