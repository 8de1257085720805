using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>What the networks' layers compute in during training. Weights and optimiser state are float32 either way.</summary>
public enum ComputePrecision
{
    /// <summary>float32 throughout: SinGAN's arithmetic.</summary>
    Float32,

    /// <summary>
    /// Mixed precision: convs, BatchNorm and activations in bfloat16 on the CPU's bf16 matrix units, with
    /// float32 master weights, gradients, losses and Adam state (as torch.autocast does on a GPU).
    /// </summary>
    BFloat16,
}

public static class ComputePrecisions
{
    /// <summary>libtorch's dtype for the layers (SinGanBody.Compute): null computes in the weights' own float32.</summary>
    public static ScalarType? LayerType(this ComputePrecision precision) => precision == ComputePrecision.BFloat16 ? ScalarType.BFloat16 : null;

    /// <summary>The command line's spelling (float32, bf16).</summary>
    public static string Name(this ComputePrecision precision) => precision == ComputePrecision.BFloat16 ? "bf16" : "float32";

    /// <summary>
    /// auto: bf16 where the CPU has bf16 matrix instructions (AMX-BF16 or AVX512-BF16): there a training iteration
    /// runs 2.1-2.6x faster than in float32 (docs/benchmarks.md, with the blocks channels-last). float32 elsewhere, where
    /// libtorch would have to emulate bf16 (not measured here: no such CPU in this project's machines).
    /// </summary>
    public static ComputePrecision Parse(string value, string device, string cpuinfo = "/proc/cpuinfo") => value.ToLowerInvariant() switch
    {
        "float32" => ComputePrecision.Float32,
        "bf16" => ComputePrecision.BFloat16,
        "auto" => device.Equals("cpu", StringComparison.OrdinalIgnoreCase) && CpuHasBf16Units(cpuinfo) ? ComputePrecision.BFloat16 : ComputePrecision.Float32,
        _ => throw new ArgumentException($"unknown compute precision '{value}'; use auto, float32 or bf16"),
    };

    /// <summary>What `--compute auto` picks for <paramref name="device"/> on this machine: the default of every trainer.</summary>
    public static ComputePrecision Auto(string device) => Parse("auto", device);

    /// <summary>The CPU flags Linux reports (x86: amx_bf16, avx512_bf16); false where they cannot be read.</summary>
    public static bool CpuHasBf16Units(string cpuinfo = "/proc/cpuinfo")
    {
        try
        {
            foreach (var line in File.ReadLines(cpuinfo))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Split(' ', ':', '\t').Any(flag => flag is "amx_bf16" or "avx512_bf16");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
