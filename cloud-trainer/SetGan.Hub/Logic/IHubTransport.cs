using SetGan.Core.Link;

namespace SetGan.Hub;

/// <summary>How the hub's logic reaches one device: the embedded broker injects, the bridge publishes on the external broker.</summary>
internal interface IHubTransport
{
    TopicDialect Dialect { get; }

    /// <summary>Delivers to that device only (QoS 1); topics are already in <see cref="Dialect"/>.</summary>
    Task SendAsync(string deviceId, string topic, byte[] payload, CancellationToken ct);
}

/// <summary>What the hub decided about a device's publish: handled, or not the device's to send (and why).</summary>
internal sealed record PublishVerdict(string? Refusal)
{
    public static readonly PublishVerdict Handled = new((string?)null);
    public bool Allowed => Refusal is null;
}
