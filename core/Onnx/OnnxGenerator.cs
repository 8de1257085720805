using Microsoft.ML.OnnxRuntime;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Onnx;

/// <summary>
/// One generator G_n in ONNX Runtime: one session, created once, full graph optimisation.
/// Images are planar float arrays (1x3xHxW) in SinGAN's [-1, 1] range.
/// </summary>
public sealed class OnnxGenerator : IDisposable
{
    private readonly InferenceSession session;

    public OnnxGenerator(byte[] model, int scale, int intraOpThreads = 0)
    {
        Scale = scale;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
        // Idle worker threads sleep instead of spinning: spinning burns a battery device's energy
        // between images, and in the benchmark it starved libtorch (k = 5: 219 ms spinning, 57 ms not).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        session = new InferenceSession(model, options);
    }

    public int Scale { get; }

    /// <summary>Runs G_n on noise z (at the output size) and, above scale 0, the coarser output.</summary>
    public float[] Run(float[] z, ScaleSize size, float[]? coarse = null, ScaleSize coarseSize = default)
    {
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            inputs[GeneratorOnnx.NoiseInput] = OrtValue.CreateTensorValueFromMemory(z, [1, 3, size.Height, size.Width]);
            if (Scale > 0)
            {
                if (coarse is null) throw new ArgumentException($"G_{Scale} needs the output of scale {Scale - 1}");
                inputs[GeneratorOnnx.CoarseInput] = OrtValue.CreateTensorValueFromMemory(coarse, [1, 3, coarseSize.Height, coarseSize.Width]);
            }
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs, [GeneratorOnnx.Output]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var v in inputs.Values) v.Dispose();
        }
    }

    public void Dispose() => session.Dispose();
}
