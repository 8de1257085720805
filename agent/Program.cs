using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Formatting.Compact;
using SetGan.Agent;
using SetGan.Agent.Hosting;

// setgan-agent: the edge agent. It senses power (a real sensor, an emulated INA219 or the CPU-time
// estimate, always labelled), runs the pyramid at the k the cloud chose within the energy budget,
// keeps images and power in a SQLite outbox, and talks to the cloud over IoT Hub's MQTT protocol.
var switches = new Dictionary<string, string>
{
    ["--device"] = "Agent:Device", ["--profile"] = "Agent:Profile", ["--sensor"] = "Agent:Sensor", ["--rate"] = "Agent:SampleRateHz",
    ["--package"] = "Agent:Package", ["--public-key"] = "Agent:PublicKey", ["--data"] = "Agent:DataDir", ["--ort-threads"] = "Agent:OrtThreads",
    ["--link"] = "Agent:Link:Mode", ["--connection-string"] = "Agent:Link:ConnectionString",
};
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        setgan-agent: runs SetGan pyramids on an edge device and measures their energy.

        usage: setgan-agent --device ID --profile NAME|PATH [--sensor profile|emulated-ina219|estimate] [--rate HZ]
                            [--package DIR] [--public-key PEM] [--data DIR] [--ort-threads N]
                            [--link none|local|azure|mqtt --connection-string CS] [--config FILE] [--self-test | --measure]

          --device       this device's id (its IoT Hub device id); under IoT Edge, IOTEDGE_DEVICEID when not given
          --profile      a device profile (raspberry-pi-4, jetson-orin-nano, ...) or a .json path
          --sensor       profile: the profile's power sensor (INA219, INA3221, RAPL); emulated-ina219: an emulated
                         chip on the profile's power model; estimate: the CPU-time model. The last two are labelled estimated.
          --rate         power samples per second (0.1..1000; capped at what the sensor allows)
          --package      a signed package folder to run; --public-key the key it must be signed with
          --link         none: no cloud, everything waits in the outbox; local: the embedded hub of `setgan hub`;
                         azure: Azure IoT Hub; mqtt: any MQTT broker (mosquitto), '$iothub' topics under devices/ID/
          --connection-string  HostName=...;DeviceId=...;SharedAccessKey=... (as `setgan devices add` prints it, or
                         from the Azure portal); local adds CertificateSha256=, mqtt uses Username=/Password=/CaFile=;
                         a group's string (GroupKey=, no DeviceId) takes --device and derives this device's key
          --data         state, images, outbox and logs (default /var/lib/setgan-agent)
          --config FILE  an extra JSON file, watched: Agent:K, Agent:ImagesPerMinute, Agent:BudgetWatts change without restart
          --self-test    check profile, sensor, ONNX Runtime and package, print a report, exit 0 when all pass
          --measure      profile the package's energy: idle power, then joules and seconds per image for every k,
                         written to --out FILE (default DATA/energy-profile.json) for `setgan evaluate --measured`

        Configuration also comes from appsettings.json and SETGAN_Agent__* environment variables.
        """);
    return 0;
}

// --config FILE: a JSON file read after appsettings.json and watched, so k, rate and budget change without a restart.
string? configFile = args.SkipWhile(a => a != "--config").Skip(1).FirstOrDefault();
var configurationBuilder = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true, reloadOnChange: true);
if (configFile is not null) configurationBuilder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: true);
var configuration = configurationBuilder
    .AddEnvironmentVariables("SETGAN_")
    .AddCommandLine(WithoutActions(args), switches)
    .Build();
string? edgeDeviceId = Environment.GetEnvironmentVariable(AgentOptions.EdgeDeviceIdVariable);
var options = (configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() ?? new AgentOptions()).WithEdgeDeviceId(edgeDeviceId);
var invalid = new AgentOptionsValidator().Validate(null, options);
if (invalid.Failed)
{
    foreach (var failure in invalid.Failures!) Console.Error.WriteLine($"error: {failure}");
    return 1;
}

if (args.Contains("--measure"))
    return MeasureCommand.Run(options, args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault());

if (args.Contains("--self-test"))
{
    var checks = SelfTest.Run(options);
    Console.WriteLine($"setgan-agent self-test for device {options.Device}");
    foreach (var c in checks) Console.WriteLine($"  {(c.Ok ? "ok  " : "FAIL")}  {c.Part,-8} {c.Detail}");
    return checks.All(c => c.Ok) ? 0 : 1;
}

Directory.CreateDirectory(Path.Combine(options.DataDir, "logs"));
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Information()
    .Enrich.WithProperty("App", "setgan-agent")
    .Enrich.WithProperty("Device", options.Device)
    .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
    .WriteTo.File(new CompactJsonFormatter(), Path.Combine(options.DataDir, "logs", "agent-.json"), rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
    .CreateLogger();
try
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Configuration = new ConfigurationManager() });
    builder.Configuration.AddConfiguration(configuration);
    builder.Services.AddSerilog();
    builder.Services.AddSingleton(Log.Logger);
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
    builder.Services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section))
        .PostConfigure(o => o.WithEdgeDeviceId(edgeDeviceId)).ValidateOnStart();
    builder.Services.AddSingleton<AgentRuntime>();
    builder.Services.AddSingleton<DeviceControl>();
    builder.Services.AddSingleton<GenerationService>();
    builder.Services.AddHostedService<PowerService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<GenerationService>());
    builder.Services.AddHostedService<SetGan.Agent.Link.LinkService>();
    builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(15));
    Log.Information("setgan-agent starting for device {Device} with profile {Profile}", options.Device, options.Profile);
    await builder.Build().RunAsync();
    Log.Information("setgan-agent stopped");
    return 0;
}
catch (Exception e) when (e is OptionsValidationException or SetGan.Agent.Power.PowerSensorException or SetGan.Core.Energy.ProfileException)
{
    Log.Error("{Message}", e.Message);
    return 1;
}
catch (Exception e)
{
    Log.Fatal(e, "setgan-agent stopped on an unexpected error");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

// The action flags take no value; --out belongs to --measure. The rest is configuration.
static string[] WithoutActions(string[] args)
{
    var rest = new List<string>();
    for (int i = 0; i < args.Length; i++)
    {
        if (args[i] is "--self-test" or "--measure") continue;
        if (args[i] is "--out" or "--config") { i++; continue; }
        rest.Add(args[i]);
    }
    return rest.ToArray();
}
