using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SetGan.Agent.Hosting;
using SetGan.Agent.Power;
using SetGan.Core.Energy;
using SetGan.Core.Packaging;

namespace SetGan.Agent;

/// <summary>`setgan-agent --self-test`: the device profile, the power sensor, ONNX Runtime and the package, each checked and reported on one line.</summary>
public static class SelfTest
{
    public sealed record Check(string Part, bool Ok, string Detail);

    public static IReadOnlyList<Check> Run(AgentOptions o)
    {
        var checks = new List<Check>();
        DeviceProfile? profile = null;
        checks.Add(Try("profile", () =>
        {
            profile = DeviceProfiles.Load(o.Profile);
            return $"{profile.Name} ({profile.DisplayName}), {profile.Cores} cores, ONNX Runtime threads {profile.OnnxRuntimeThreads}";
        }));
        checks.Add(Try("sensor", () =>
        {
            if (profile is null) throw new InvalidOperationException("no profile");
            using var sensor = PowerSensors.Create(profile, o.Sensor);
            var deadline = Stopwatch.StartNew();
            PowerSample? sample = null;
            while (sample is null && deadline.Elapsed < TimeSpan.FromSeconds(3))
            {
                sample = sensor.Read(DateTimeOffset.UtcNow);
                if (sample is null) Thread.Sleep(100); // counters (RAPL, CPU time) need two reads
            }
            if (sample is null) throw new PowerSensorException($"{sensor.Name}: no reading within 3 s");
            return $"{sensor.Name}: {sample.Watts:F3} W at {sample.Volts:F2} V ({(sample.Estimated ? "estimated" : "measured")})";
        }));
        checks.Add(Try("runtime", () =>
        {
            return $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, providers {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}";
        }));
        if (o.Package.Length == 0)
            checks.Add(new Check("package", true, "none configured: the agent waits for one from the cloud"));
        else
            checks.Add(Try("package", () =>
            {
                using var package = o.LoadPackage(o.Package, File.ReadAllText(o.PublicKey), profile);
                var clock = Stopwatch.StartNew();
                var image = package.Generate(package.FinestScale, seed: 1);
                double ms = clock.Elapsed.TotalMilliseconds;
                // A runtime that computes garbage (a broken native build, an emulator) shows as NaN; the mean lets a
                // caller compare this device's image with the same seed's image computed elsewhere.
                if (image.Pixels.Any(float.IsNaN)) throw new InvalidOperationException($"the {image.Width}x{image.Height} image at k = {package.FinestScale} has NaN pixels: ONNX Runtime computes garbage here");
                return $"{package.Path}: signature and {package.FinestScale + 1} generators verified; one {image.Width}x{image.Height} image at k = {package.FinestScale} (seed 1, mean {image.Pixels.Average():F4}) in {ms:F0} ms";
            }));
        return checks;
    }

    private static Check Try(string part, Func<string> check)
    {
        try { return new Check(part, true, check()); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Check(part, false, e.Message.ReplaceLineEndings(" "));
        }
    }
}
