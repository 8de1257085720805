using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>
/// One Serilog configuration for a command run: compact JSON to a file (everything), and the
/// console (stderr) at Information when nobody watches a live display, Warning when one is shown.
/// </summary>
public static class RunLog
{
    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !System.Console.IsOutputRedirected;

    /// <param name="quiet">Warnings only on the console, whoever watches: for commands that print their own progress.</param>
    public static Serilog.Core.Logger Create(string? jsonFile, bool quiet = false)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Information()
            .Enrich.WithProperty("App", "setgan")
            .WriteTo.Console(restrictedToMinimumLevel: Interactive || quiet ? LogEventLevel.Warning : LogEventLevel.Information,
                standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (jsonFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(jsonFile)!);
            config = config.WriteTo.File(new CompactJsonFormatter(), jsonFile);
        }
        return config.CreateLogger();
    }
}
