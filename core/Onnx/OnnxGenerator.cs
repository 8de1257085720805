using Microsoft.ML.OnnxRuntime;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Onnx;

/// <summary>
/// One generator G_n in ONNX Runtime: one session, created once, full graph optimisation.
/// Images are planar float arrays (1x3xHxW) in SinGAN's [-1, 1] range. Input and output buffers
/// and their OrtValues are kept per image size, so generating many images allocates nothing new.
/// </summary>
public sealed class OnnxGenerator : IGenerator
{
    private readonly InferenceSession session;
    private readonly PerSize<Bindings> bindings;
    private readonly string[] inputNames;
    private readonly string[] outputNames = [GeneratorOnnx.Output];

    public OnnxGenerator(byte[] model, int scale, int intraOpThreads = 0, bool leanMemory = false)
    {
        Scale = scale;
        session = Session(model, intraOpThreads, leanMemory);
        inputNames = GeneratorOnnx.Inputs(scale);
        bindings = new((size, coarseSize) => new Bindings(size, coarseSize, scale > 0));
    }

    /// <summary>A session as every generator runs: full graph optimisation, threads from configuration, idle threads that sleep.</summary>
    internal static InferenceSession Session(byte[] model, int intraOpThreads, bool leanMemory)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (leanMemory)
        {
            // A device's memory, not its speed, is the scarce part: no CPU arena keeping each session's peak
            // tensors, no memory patterns planned (and kept) per input size. docs/benchmarks.md has what it costs.
            options.EnableCpuMemArena = false;
            options.EnableMemoryPattern = false;
        }
        if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
        // Idle worker threads sleep instead of spinning: spinning burns a battery device's energy
        // between images, and in the benchmark it starved libtorch (k = 5: 219 ms spinning, 57 ms not).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new InferenceSession(model, options);
    }

    public int Scale { get; }

    /// <summary>
    /// Runs G_n on noise z (at the output size) and, above scale 0, the coarser output. The returned
    /// array is this generator's output buffer for that size: valid until its next run at that size.
    /// </summary>
    public float[] Run(ReadOnlySpan<float> z, ScaleSize size, ReadOnlySpan<float> coarse = default, ScaleSize coarseSize = default)
    {
        GeneratorInputs.Check(Scale, coarse);
        var b = bindings.For(size, Scale > 0 ? coarseSize : default);
        b.Inputs.Load(z, coarse);
        using var runOptions = new RunOptions();
        session.Run(runOptions, inputNames, b.Inputs.Values, outputNames, b.Outputs);
        return b.Output;
    }

    public void Dispose()
    {
        bindings.Dispose();
        session.Dispose();
    }

    /// <summary>Managed buffers for one input/output size, wrapped once as OrtValues.</summary>
    private sealed class Bindings : IDisposable
    {
        public Bindings(ScaleSize size, ScaleSize coarseSize, bool hasCoarse)
        {
            Inputs = new GeneratorInputs(size, coarseSize, hasCoarse);
            Output = new float[3 * size.Pixels];
            Outputs = [OrtValue.CreateTensorValueFromMemory(Output, [1, 3, size.Height, size.Width])];
        }

        public GeneratorInputs Inputs { get; }
        public float[] Output { get; }
        public OrtValue[] Outputs { get; }

        public void Dispose()
        {
            Inputs.Dispose();
            Outputs[0].Dispose();
        }
    }
}
