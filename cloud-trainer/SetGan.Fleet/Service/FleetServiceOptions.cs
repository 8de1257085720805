namespace SetGan.Fleet.Service;

/// <summary>Where the fleet service keeps its state and where operators and devices reach it.</summary>
public sealed record FleetServiceOptions
{
    /// <summary>hub/ (the embedded hub: registry, twins, telemetry, images), models/ (published packages), keys/, admin.token, service.json.</summary>
    public required string DataDir { get; init; }

    /// <summary>The dashboard and the operators' API (HTTP); 0 picks a free port.</summary>
    public int HttpPort { get; init; } = 5080;

    /// <summary>The address the HTTP side listens on: loopback unless the operator opens it up.</summary>
    public string Listen { get; init; } = "127.0.0.1";

    /// <summary>The embedded hub's name for devices (SAS tokens, certificate, package URLs).</summary>
    public string HostName { get; init; } = "localhost";

    public int MqttPort { get; init; } = 8883;
    public int HttpsPort { get; init; } = 8443;

    /// <summary>How many seconds of power the dashboard keeps per device (in memory).</summary>
    public int PowerHistorySeconds { get; init; } = 120;

    /// <summary>The training-job queue: sqlite:DIR or azure:CONNECTION-STRING; null keeps the jobs in sqlite:DATA/jobs.</summary>
    public string? Jobs { get; init; }

    /// <summary>How often succeeded jobs are looked for and their packages taken into the model store.</summary>
    public TimeSpan HarvestEvery { get; init; } = TimeSpan.FromSeconds(2);

    public string JobsSpec => Jobs ?? SetGan.Fleet.Jobs.TrainingJobQueues.SqlitePrefix + Path.Combine(DataDir, "jobs");
    public string HubDir => Path.Combine(DataDir, "hub");
    public string ModelsDir => Path.Combine(DataDir, "models");
    public string KeysDir => Path.Combine(DataDir, "keys");
}
