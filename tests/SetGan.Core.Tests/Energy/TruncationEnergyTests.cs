using System.Text.Json;
using SetGan.Core.Energy;

namespace SetGan.Core.Tests.Energy;

public sealed class TruncationEnergyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-energy-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void An_estimate_is_flops_times_energy_per_flop_plus_idle_power_for_the_time_it_takes()
    {
        var profile = DeviceProfiles.Load("raspberry-pi-4", RepoPaths.File("device-profiles"));
        var energy = TruncationEnergy.Estimate(profile, [1e9, 4e9]);

        double seconds = 4e9 / (profile.SustainedGflops.Value * 1e9);
        energy[1].SecondsPerImage.ShouldBe(seconds, 1e-12);
        energy[1].JoulesPerImage.ShouldBe(4e9 * profile.EnergyPerFlopJoules.Value + profile.IdleWatts.Value * seconds, 1e-9);
        energy.ShouldAllBe(e => e.Source == EnergySource.Estimated);
        (energy[1].Edp / energy[0].Edp).ShouldBe(16, 1e-9); // both energy and time scale with FLOPs
    }

    [Fact]
    public void A_measured_profile_is_used_only_for_the_generators_it_measured()
    {
        string path = WriteProfile(Measured("abc123"));
        var profile = TruncationEnergy.LoadMeasured(path);

        var energy = TruncationEnergy.FromMeasured(profile, "abc123", truncations: 2);
        energy.ShouldAllBe(e => e.Source == EnergySource.Measured);
        energy[1].JoulesPerImage.ShouldBe(2.0);
        Should.Throw<ProfileException>(() => TruncationEnergy.FromMeasured(profile, "def456", 2)).Message.ShouldContain("re-profile");
        Should.Throw<ProfileException>(() => TruncationEnergy.FromMeasured(profile, "abc123", 3)).Message.ShouldContain("k = 2");
    }

    [Fact]
    public void Bad_energy_profiles_are_refused_with_the_reason()
    {
        Should.Throw<ProfileException>(() => TruncationEnergy.LoadMeasured(Path.Combine(dir, "none.json"))).Message.ShouldContain("not found");
        File.WriteAllText(Path.Combine(dir, "junk.json"), "[1, 2");
        Should.Throw<ProfileException>(() => TruncationEnergy.LoadMeasured(Path.Combine(dir, "junk.json"))).Message.ShouldContain("not an energy profile");
        var zero = Measured("abc") with { Truncations = [new MeasuredTruncation { K = 0, Images = 3, JoulesPerImage = 0, JoulesStd = 0, SecondsPerImage = 1, SecondsStd = 0, AverageWatts = 0 }] };
        Should.Throw<ProfileException>(() => TruncationEnergy.LoadMeasured(WriteProfile(zero))).Message.ShouldContain("positive");
    }

    private static EnergyProfile Measured(string models) => new()
    {
        Format = EnergyProfile.CurrentFormat, Device = "pi-01", Sensor = "ina219", ModelsSha256 = models, MeasuredAt = DateTimeOffset.UnixEpoch, IdleWatts = 2.7,
        Truncations =
        [
            new() { K = 0, Images = 10, JoulesPerImage = 1.0, JoulesStd = 0.1, SecondsPerImage = 0.3, SecondsStd = 0.01, AverageWatts = 3.3 },
            new() { K = 1, Images = 10, JoulesPerImage = 2.0, JoulesStd = 0.1, SecondsPerImage = 0.6, SecondsStd = 0.01, AverageWatts = 3.3 },
        ],
    };

    private string WriteProfile(EnergyProfile profile)
    {
        string path = Path.Combine(dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(profile, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        return path;
    }
}
