using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Onnx;

/// <summary>
/// The activation ranges <see cref="Int8Quantization"/> needs, measured by running the float pyramid as a device
/// runs it: random samples (SinGAN's noise, one channel at scale 0) and the reconstruction (z_opt at scale 0,
/// zero noise above), each scale fed the previous scale's output, with every tapped tensor added as an output.
/// </summary>
public static class Int8Calibration
{
    /// <summary>Random samples a calibration runs (plus the reconstruction): ranges settle well before 8 at these sizes.</summary>
    public const int Samples = 8;

    /// <summary>G_0..G_N calibrated on the float pyramid's own samples and quantized: what an int8 package holds.</summary>
    public static List<ModelProto> Quantize(IReadOnlyList<ModelProto> models, IReadOnlyList<ScaleSize> sizes, float[]? zOpt)
    {
        var ranges = Measure(models, sizes, zOpt, Samples, seed: 0);
        return models.Select((m, n) => Int8Quantization.Quantize(m, ranges[n])).ToList();
    }

    /// <param name="models">G_0..G_N as exported (float).</param>
    /// <param name="zOpt">Scale 0's reconstruction noise (one channel), or null to calibrate on random samples only.</param>
    public static IReadOnlyList<Dictionary<string, ActivationRange>> Measure(IReadOnlyList<ModelProto> models, IReadOnlyList<ScaleSize> sizes,
        float[]? zOpt, int samples, int seed)
    {
        if (models.Count != sizes.Count) throw new ArgumentException($"{models.Count} models for {sizes.Count} sizes");
        var taps = models.Select(m => Int8Quantization.Taps(m).ToArray()).ToList();
        var sessions = models.Select((m, n) => new InferenceSession(WithOutputs(m, taps[n]).ToByteArray())).ToList();
        try
        {
            var ranges = taps.Select(t => t.ToDictionary(name => name, _ => ActivationRange.Empty)).ToList();
            var noise = new GaussianNoise(seed);
            for (int sample = 0; sample < samples + (zOpt is null ? 0 : 1); sample++)
            {
                bool reconstruction = sample == samples;
                float[]? previous = null;
                for (int n = 0; n < models.Count; n++)
                {
                    var z = new float[3 * sizes[n].Pixels];
                    if (reconstruction) { if (n == 0) Repeat(zOpt!, z); }
                    else noise.Fill(n, z);
                    previous = Run(sessions[n], taps[n], ranges[n], z, sizes[n], previous, n == 0 ? default : sizes[n - 1]);
                }
            }
            return ranges;
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
        }
    }

    private static float[] Run(InferenceSession session, string[] taps, Dictionary<string, ActivationRange> ranges,
        float[] z, ScaleSize size, float[]? previous, ScaleSize previousSize)
    {
        var inputs = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(z, [1, 3, size.Height, size.Width]) };
        if (previous is not null) inputs.Add(OrtValue.CreateTensorValueFromMemory(previous, [1, 3, previousSize.Height, previousSize.Width]));
        try
        {
            string[] outputs = [GeneratorOnnx.Output, .. taps];
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, GeneratorOnnx.Inputs(previous is null ? 0 : 1), inputs, outputs);
            for (int i = 0; i < taps.Length; i++) ranges[taps[i]] = ranges[taps[i]].Including(results[i + 1].GetTensorDataAsSpan<float>());
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    /// <summary>The model with the tapped tensors as extra graph outputs (float, any shape).</summary>
    private static ModelProto WithOutputs(ModelProto model, IEnumerable<string> taps)
    {
        var tapped = model.Clone();
        foreach (string tap in taps)
            tapped.Graph.Output.Add(new ValueInfoProto
            {
                Name = tap,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        return tapped;
    }

    private static void Repeat(float[] plane, float[] z)
    {
        for (int c = 0; c < 3; c++) Array.Copy(plane, 0, z, c * plane.Length, plane.Length);
    }
}
