using System.Collections.Concurrent;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace SetGan.Hub.Tests;

/// <summary>Keeps every rendered log line, so a test can check that a refusal was logged with its reason.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly ConcurrentQueue<string> lines = new();

    public CapturedLog() => Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();

    public Serilog.ILogger Logger { get; }

    public IReadOnlyList<string> Lines => lines.ToList();

    public void Emit(LogEvent logEvent) =>
        lines.Enqueue($"{logEvent.Level}: {logEvent.RenderMessage()}{(logEvent.Exception is { } e ? " " + e.Message : "")}");

    /// <summary>Waits briefly for a line containing every fragment (logging may trail the event that caused it).</summary>
    public async Task<string> WaitForAsync(params string[] fragments)
    {
        for (int i = 0; i < 100; i++)
        {
            if (Lines.FirstOrDefault(l => fragments.All(f => l.Contains(f, StringComparison.Ordinal))) is { } line) return line;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        throw new ShouldAssertException($"no log line contains [{string.Join(", ", fragments)}]; the log:\n{string.Join('\n', Lines)}");
    }
}
