using Microsoft.ML.OnnxRuntime;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Onnx;

/// <summary>
/// G_n run as a head over the whole image (3 channels) and a body over strips of at most
/// <see cref="Rows"/> output rows (<see cref="GeneratorSplit"/>), so its largest activations are a
/// strip's, not the image's: what lets a board with little memory run SinGAN's finest scales. Same
/// pixels as <see cref="OnnxGenerator"/> (the tests compare them); a little slower for the overlap.
/// </summary>
public sealed class StripGenerator : IGenerator
{
    private const int Halo = GeneratorWeights.Padding;
    private readonly InferenceSession head, body;
    private readonly string[] headInputs, headOutputs, bodyInputs = [GeneratorOnnx.Padded], bodyOutputs;
    private readonly PerSize<Buffers> buffers;

    public StripGenerator(byte[] model, int scale, int rows, int intraOpThreads = 0, bool leanMemory = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        (Scale, Rows) = (scale, rows);
        var (headModel, bodyModel) = GeneratorSplit.Split(model, scale);
        head = OnnxGenerator.Session(headModel, intraOpThreads, leanMemory);
        try { body = OnnxGenerator.Session(bodyModel, intraOpThreads, leanMemory); }
        catch
        {
            head.Dispose();
            throw;
        }
        headInputs = GeneratorOnnx.Inputs(scale);
        headOutputs = GeneratorSplit.HeadOutputs(scale);
        bodyOutputs = [GeneratorSplit.BodyOutput(scale)];
        buffers = new((size, coarseSize) => new Buffers(size, coarseSize, scale > 0));
    }

    public int Scale { get; }

    /// <summary>Output rows per run of the body.</summary>
    public int Rows { get; }

    public float[] Run(ReadOnlySpan<float> z, ScaleSize size, ReadOnlySpan<float> coarse = default, ScaleSize coarseSize = default)
    {
        GeneratorInputs.Check(Scale, coarse);
        var b = buffers.For(size, Scale > 0 ? coarseSize : default);
        b.Inputs.Load(z, coarse);
        using var runOptions = new RunOptions();
        head.Run(runOptions, headInputs, b.Inputs.Values, headOutputs, b.HeadOutputs);
        int width = size.Width, height = size.Height, paddedWidth = width + 2 * Halo, paddedPlane = (height + 2 * Halo) * paddedWidth;
        for (int top = 0; top < height; top += Rows)
        {
            var strip = b.Strip(Math.Min(Rows, height - top));
            int inRows = strip.Rows + 2 * Halo;
            for (int c = 0; c < 3; c++)
                Array.Copy(b.Padded, c * paddedPlane + top * paddedWidth, strip.Input, c * inRows * paddedWidth, inRows * paddedWidth);
            body.Run(runOptions, bodyInputs, strip.Inputs, bodyOutputs, strip.Outputs);
            for (int c = 0; c < 3; c++)
                Array.Copy(strip.Output, c * strip.Rows * width, b.Output, c * size.Pixels + top * width, strip.Rows * width);
        }
        if (Scale > 0)
        {
            // The whole graph's last node: out = tanh(body) + prev.
            var output = b.Output.AsSpan();
            var previous = b.Previous.AsSpan();
            for (int i = 0; i < output.Length; i++) output[i] += previous[i];
        }
        return b.Output;
    }

    public void Dispose()
    {
        buffers.Dispose();
        head.Dispose();
        body.Dispose();
    }

    /// <summary>Managed buffers for one image size and its strips, wrapped once as OrtValues.</summary>
    private sealed class Buffers : IDisposable
    {
        private readonly ScaleSize size;
        private readonly Dictionary<int, Strip> strips = new();

        public Buffers(ScaleSize size, ScaleSize coarseSize, bool hasCoarse)
        {
            this.size = size;
            Inputs = new GeneratorInputs(size, coarseSize, hasCoarse);
            Padded = new float[3 * (size.Height + 2 * Halo) * (size.Width + 2 * Halo)];
            Previous = hasCoarse ? new float[3 * size.Pixels] : [];
            Output = new float[3 * size.Pixels];
            var padded = OrtValue.CreateTensorValueFromMemory(Padded, [1, 3, size.Height + 2 * Halo, size.Width + 2 * Halo]);
            HeadOutputs = hasCoarse ? [padded, OrtValue.CreateTensorValueFromMemory(Previous, [1, 3, size.Height, size.Width])] : [padded];
        }

        public GeneratorInputs Inputs { get; }
        public float[] Padded { get; }
        public float[] Previous { get; }
        public float[] Output { get; }
        public OrtValue[] HeadOutputs { get; }

        public Strip Strip(int rows)
        {
            if (!strips.TryGetValue(rows, out var strip)) strips[rows] = strip = new Strip(rows, size.Width);
            return strip;
        }

        public void Dispose()
        {
            Inputs.Dispose();
            foreach (var v in HeadOutputs) v.Dispose();
            foreach (var s in strips.Values) s.Dispose();
        }
    }

    private sealed class Strip : IDisposable
    {
        public Strip(int rows, int width)
        {
            Rows = rows;
            Input = new float[3 * (rows + 2 * Halo) * (width + 2 * Halo)];
            Output = new float[3 * rows * width];
            Inputs = [OrtValue.CreateTensorValueFromMemory(Input, [1, 3, rows + 2 * Halo, width + 2 * Halo])];
            Outputs = [OrtValue.CreateTensorValueFromMemory(Output, [1, 3, rows, width])];
        }

        public int Rows { get; }
        public float[] Input { get; }
        public float[] Output { get; }
        public OrtValue[] Inputs { get; }
        public OrtValue[] Outputs { get; }

        public void Dispose()
        {
            Inputs[0].Dispose();
            Outputs[0].Dispose();
        }
    }
}
