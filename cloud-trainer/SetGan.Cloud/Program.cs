using System.CommandLine;
using SetGan.Cloud;

// Ctrl+C cancels the running command; training stops at the next iteration and keeps every
// finished scale. Our own handler, not System.CommandLine's (see StopSignals).
using var signals = new StopSignals();
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
return await SetGanCommandLine.Build().Parse(args).InvokeAsync(invocation, signals.Token);
