using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using SetGan.Agent.Hosting;
using Serilog;

namespace SetGan.Agent.Link;

/// <summary>
/// The device-cloud link: connects (retrying with exponential backoff and jitter), reads the twin and
/// applies it, answers methods and desired patches, and sends the outbox until the connection drops;
/// then does it all again. It reconnects with a fresh SAS token before the old one expires. Without a
/// link (Agent:Link:Mode none) everything waits in the outbox.
/// </summary>
public sealed class LinkService(IOptions<AgentOptions> options, AgentRuntime runtime, DeviceControl control, GenerationService generation, ILogger log, TimeProvider time)
    : BackgroundService
{
    private readonly SemaphoreSlim outboxSignal = new(0, 1);
    private TwinHandler? twin;

    /// <summary>Connected now (for the status and the tests).</summary>
    public bool IsConnected { get; private set; }
    public OutboxSender? Sender { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var o = options.Value;
        if (runtime.Connection is not { } connection)
        {
            log.Information("No cloud link (Agent:Link:Mode none): images and power samples wait in the outbox");
            return;
        }
        twin = new TwinHandler(o, runtime, control, log);
        var methods = new DeviceMethods(runtime, control, generation, twin, log);
        Sender = new OutboxSender(runtime.Outbox, log);
        runtime.Outbox.Enqueued += Wake;
        var reconnect = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<LinkException>().Handle<MQTTnet.Exceptions.MqttCommunicationException>().Handle<IOException>(),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(o.Link.MaxBackoffSeconds),
            MaxRetryAttempts = int.MaxValue,
            OnRetry = a =>
            {
                log.Warning("Link to {Host}: {Reason}; attempt {Attempt} again in {Delay:F1} s", connection.ConnectHost, a.Outcome.Exception?.Message, a.AttemptNumber + 1, a.RetryDelay.TotalSeconds);
                return ValueTask.CompletedTask;
            },
        }).Build();
        try
        {
            int shortSessions = 0;
            while (!stopping.IsCancellationRequested)
            {
                // Each connection gets a fresh backoff: after a good session the first retry is quick again.
                var began = time.GetUtcNow();
                bool renewing = await reconnect.ExecuteAsync(async ct => await SessionAsync(connection, o, methods, ct), stopping);
                // A hub that accepts the connection and then fails it at once must not be hammered either.
                shortSessions = !renewing && time.GetUtcNow() - began < TimeSpan.FromSeconds(10) ? shortSessions + 1 : 0;
                if (shortSessions > 1)
                {
                    double seconds = Math.Min(o.Link.MaxBackoffSeconds, 0.25 * Math.Pow(2, shortSessions)) * (0.5 + Random.Shared.NextDouble() / 2);
                    await Task.Delay(TimeSpan.FromSeconds(seconds), time, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        finally { runtime.Outbox.Enqueued -= Wake; }
    }

    /// <summary>One connection, from connect to its end: throws when it cannot connect (the retry backs off), returns when it ends (true: to renew the token).</summary>
    private async Task<bool> SessionAsync(Core.Link.DeviceConnectionString connection, AgentOptions o, DeviceMethods methods, CancellationToken stopping)
    {
        await using var client = new DeviceClient(connection, o.Link.Mode, log);
        var desiredPatches = Channel.CreateUnbounded<(JsonObject Patch, long Version)>();
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DesiredChanged += (patch, version) => desiredPatches.Writer.TryWrite((patch, version));
        client.Disconnected += reason => lost.TrySetResult(reason);
        client.Methods = (name, payload, ct) => methods.HandleAsync(client, name, payload, stopping);
        client.CloudToDevice += (properties, body) => log.Information("Cloud-to-device message of {Bytes} bytes with {Properties}", body.Length, properties);

        var tokenLifetime = TimeSpan.FromMinutes(o.Link.TokenMinutes);
        await client.ConnectAsync(tokenLifetime, stopping);
        IsConnected = true;
        try
        {
            log.Information("Connected to {Host}:{Port} as {Device} ({Mode})", connection.ConnectHost, connection.Port, connection.DeviceId, o.Link.Mode);
            var (desired, _) = await client.GetTwinAsync(stopping);
            await twin!.SyncAsync(client, desired, stopping);
            var renewAt = time.GetUtcNow() + tokenLifetime * 0.8;
            while (!stopping.IsCancellationRequested)
            {
                if (lost.Task.IsCompleted)
                {
                    log.Warning("Connection to {Host} lost ({Reason}); reconnecting", connection.ConnectHost, lost.Task.Result);
                    return false;
                }
                if (client.TokenExpiry is not null && time.GetUtcNow() >= renewAt)
                {
                    log.Information("Reconnecting with a fresh SAS token before the current one expires at {Expiry:O}", client.TokenExpiry);
                    return true;
                }
                while (desiredPatches.Reader.TryRead(out var patch)) await twin.PatchAsync(client, patch.Patch, patch.Version, stopping);
                int sent = await Sender!.SendAsync(client, o.Link.SendBatch, stopping);
                if (sent > 0) continue;
                // Nothing to send: wait for a new message, a desired patch, the connection's end, or a short poll.
                var untilRenewal = renewAt - time.GetUtcNow();
                var nap = untilRenewal < TimeSpan.FromSeconds(1) ? (untilRenewal > TimeSpan.Zero ? untilRenewal : TimeSpan.Zero) : TimeSpan.FromSeconds(1);
                var wake = outboxSignal.WaitAsync(nap, stopping);
                await Task.WhenAny(wake, lost.Task, desiredPatches.Reader.WaitToReadAsync(stopping).AsTask());
            }
        }
        catch (Exception e) when (e is LinkException or MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException && !stopping.IsCancellationRequested)
        {
            // Lost after a good connect: return, so the next connect starts with a short backoff again.
            log.Warning("Connection to {Host} lost ({Reason}); reconnecting", connection.ConnectHost, e.Message);
        }
        finally { IsConnected = false; }
        return false;
    }

    private void Wake()
    {
        if (outboxSignal.CurrentCount == 0) try { outboxSignal.Release(); } catch (SemaphoreFullException) { }
    }
}
