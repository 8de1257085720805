using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace SetGan.Fleet.Tests.Jobs;

/// <summary>Keeps every rendered log line, so a test can check that something dropped was logged with its reason.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<string> lines = new();

    public CapturedLog() => Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public IReadOnlyList<string> Lines => lines.ToList();

    public void Emit(LogEvent logEvent) => lines.Enqueue($"{logEvent.Level}: {logEvent.RenderMessage()}");

    public string Single(params string[] fragments) =>
        Lines.SingleOrDefault(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal)))
        ?? throw new ShouldAssertException($"no log line contains [{string.Join(", ", fragments)}]; the log:\n{string.Join('\n', Lines)}");
}
