using SetGan.Agent.Hosting;
using SetGan.Agent.Power;
using SetGan.Agent.Profiling;
using SetGan.Core.Energy;
using SetGan.Core.Packaging;
using Serilog;

namespace SetGan.Agent;

/// <summary>`setgan-agent --measure`: the energy profile of the configured package on this board, written as JSON.</summary>
public static class MeasureCommand
{
    public static int Run(AgentOptions o, string? output)
    {
        if (o.Package.Length == 0) { Console.Error.WriteLine("error: --measure needs --package and --public-key"); return 1; }
        string path = output ?? o.EnergyProfilePath;
        using var log = new LoggerConfiguration().WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}").CreateLogger();
        try
        {
            var profile = DeviceProfiles.Load(o.Profile);
            using var package = o.LoadPackage(o.Package, File.ReadAllText(o.PublicKey), profile);
            using var sampler = new PowerSampler(PowerSensors.Create(profile, o.Sensor), o.SampleRateHz, log);
            sampler.Start();
            log.Information("Measuring k = 0..{N} of {Package} with {Sensor}{Estimated}", package.FinestScale, package.Path, sampler.Sensor.Name,
                sampler.Sensor.IsEstimate ? " (an estimate: the profile will say so)" : "");
            var measured = new EnergyProfiler(sampler, log).Profile(package, o.Device, o.ProfilerSettings(), CancellationToken.None);
            TruncationEnergy.SaveMeasured(measured, path);
            Console.WriteLine($"energy profile ({(measured.Estimated ? "estimated" : "measured")}) written to {Path.GetFullPath(path)}");
            return 0;
        }
        catch (Exception e) when (e is PowerSensorException or PackageException or ProfileException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
