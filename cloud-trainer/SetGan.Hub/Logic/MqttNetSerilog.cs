using MQTTnet.Diagnostics.Logger;
using Serilog.Events;

namespace SetGan.Hub;

/// <summary>MQTTnet's own diagnostics into the hub's Serilog logger (its messages are positional templates, which Serilog reads).</summary>
internal sealed class MqttNetSerilog(Serilog.ILogger log) : IMqttNetLogger
{
    public bool IsEnabled => true;

    public void Publish(MqttNetLogLevel level, string source, string message, object[] parameters, Exception exception)
    {
        var serilogLevel = level switch
        {
            MqttNetLogLevel.Error => LogEventLevel.Error,
            MqttNetLogLevel.Warning => LogEventLevel.Warning,
            MqttNetLogLevel.Info => LogEventLevel.Debug, // per-connection chatter, not hub news
            _ => LogEventLevel.Verbose,
        };
        if (log.IsEnabled(serilogLevel)) log.ForContext("MqttSource", source).Write(serilogLevel, exception, message, parameters ?? []);
    }
}
