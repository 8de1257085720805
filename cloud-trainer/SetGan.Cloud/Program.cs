using System.CommandLine;
using SetGan.Cloud;

// Ctrl+C cancels the running command; training stops at the next iteration and keeps every
// finished scale. The grace period covers one iteration of the finest scale of the paper preset.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) };
return await SetGanCommandLine.Build().Parse(args).InvokeAsync(invocation);
