using System.Runtime.InteropServices;

namespace SetGan.Cloud;

/// <summary>
/// Ctrl+C and SIGTERM cancel the running command; a second one ends the process at once.
/// Registered before the command starts: System.CommandLine 2.0.0 registers its own handler only
/// after the action's synchronous start, so a signal during a CPU-bound start (training begins
/// without yielding) found no handler and killed the process with 130, losing the clean stop.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly PosixSignalRegistration interrupt;
    private readonly PosixSignalRegistration terminate;
    private int signals;

    public StopSignals()
    {
        interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        // The second signal keeps its default action: a user who presses Ctrl+C twice means it.
        if (Interlocked.Increment(ref signals) > 1) return;
        context.Cancel = true;
        // Off the signal thread: cancellation callbacks run inline and may take a while.
        ThreadPool.QueueUserWorkItem(_ => stop.Cancel());
    }

    public void Dispose()
    {
        interrupt.Dispose();
        terminate.Dispose();
        stop.Dispose();
    }
}
