using System.Text.Json;

namespace SetGan.Core.Energy;

/// <summary>Where an energy figure comes from. An estimate is never reported as a measurement.</summary>
public enum EnergySource { Measured, Estimated }

/// <summary>Energy and time of one image from the pyramid truncated at k on one device.</summary>
public sealed record TruncationEnergy(int K, double JoulesPerImage, double SecondsPerImage, EnergySource Source)
{
    public double AverageWatts => JoulesPerImage / SecondsPerImage;

    /// <summary>Energy-delay product (J s), the paper's metric: average power x time^2.</summary>
    public double Edp => JoulesPerImage * SecondsPerImage;

    /// <summary>
    /// The estimate from FLOPs and a device profile: time = FLOPs / sustained FLOP/s, energy = FLOPs x
    /// marginal energy per FLOP + idle power x time (the board idles on while it computes).
    /// </summary>
    public static IReadOnlyList<TruncationEnergy> Estimate(DeviceProfile profile, IReadOnlyList<double> flopsPerTruncation) =>
        flopsPerTruncation.Select((flops, k) =>
        {
            double seconds = flops / (profile.SustainedGflops.Value * 1e9);
            return new TruncationEnergy(k, flops * profile.EnergyPerFlopJoules.Value + profile.IdleWatts.Value * seconds, seconds, EnergySource.Estimated);
        }).ToList();

    /// <summary>The device's own measurements, for the package they were measured with.</summary>
    public static IReadOnlyList<TruncationEnergy> FromMeasured(EnergyProfile profile, string modelsSha256, int truncations)
    {
        if (!string.Equals(profile.ModelsSha256, modelsSha256, StringComparison.OrdinalIgnoreCase))
            throw new ProfileException($"energy profile of {profile.Device} was measured on other generators ({Short(profile.ModelsSha256)}, this package has {Short(modelsSha256)}); re-profile the device");
        var byK = profile.Truncations.ToDictionary(t => t.K);
        return Enumerable.Range(0, truncations).Select(k => byK.TryGetValue(k, out var t)
            ? new TruncationEnergy(k, t.JoulesPerImage, t.SecondsPerImage, profile.Estimated ? EnergySource.Estimated : EnergySource.Measured)
            : throw new ProfileException($"energy profile of {profile.Device} has no measurement for k = {k}")).ToList();
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    /// <summary>Writes an energy profile (beside, then renamed over), as the agent's profiler does.</summary>
    public static void SaveMeasured(EnergyProfile profile, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(profile, EnergyJson.Default.EnergyProfile));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static EnergyProfile LoadMeasured(string path)
    {
        if (!File.Exists(path)) throw new ProfileException($"energy profile not found: '{path}'");
        return ParseMeasured(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>The profile as JSON, as a device reports it in its twin.</summary>
    public static System.Text.Json.Nodes.JsonNode ToJson(EnergyProfile profile) => JsonSerializer.SerializeToNode(profile, EnergyJson.Default.EnergyProfile)!;

    /// <summary>Reads and checks a profile from JSON (a file, or a device's twin); <paramref name="name"/> says where it came from in errors.</summary>
    public static EnergyProfile ParseMeasured(ReadOnlySpan<byte> json, string name)
    {
        EnergyProfile? profile;
        try { profile = JsonSerializer.Deserialize(json, EnergyJson.Default.EnergyProfile); }
        catch (JsonException e) { throw new ProfileException($"{name}: not an energy profile: {e.Message}"); }
        if (profile is null || profile.Format != EnergyProfile.CurrentFormat)
            throw new ProfileException($"{name}: format '{profile?.Format}' is not {EnergyProfile.CurrentFormat}");
        if (profile.Truncations.Any(t => !(t.JoulesPerImage > 0) || !(t.SecondsPerImage > 0) || t.Images < 1))
            throw new ProfileException($"{name}: every truncation needs positive joules and seconds per image from at least one image");
        return profile;
    }
}
