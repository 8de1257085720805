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
    private readonly Dictionary<(ScaleSize Output, ScaleSize Coarse), Buffers> buffers = new();

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
    }

    public int Scale { get; }

    /// <summary>Output rows per run of the body.</summary>
    public int Rows { get; }

    public float[] Run(ReadOnlySpan<float> z, ScaleSize size, ReadOnlySpan<float> coarse = default, ScaleSize coarseSize = default)
    {
        if (Scale > 0 && coarse.IsEmpty) throw new ArgumentException($"G_{Scale} needs the output of scale {Scale - 1}");
        var b = Bind(size, Scale > 0 ? coarseSize : default);
        z.CopyTo(b.Noise);
        if (Scale > 0) coarse.CopyTo(b.Coarse);
        using var runOptions = new RunOptions();
        head.Run(runOptions, headInputs, b.HeadInputs, headOutputs, b.HeadOutputs);
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

    private Buffers Bind(ScaleSize size, ScaleSize coarseSize)
    {
        if (buffers.TryGetValue((size, coarseSize), out var b)) return b;
        b = new Buffers(size, coarseSize, Scale > 0);
        buffers[(size, coarseSize)] = b;
        return b;
    }

    public void Dispose()
    {
        foreach (var b in buffers.Values) b.Dispose();
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
            Noise = new float[3 * size.Pixels];
            Coarse = hasCoarse ? new float[3 * coarseSize.Pixels] : [];
            Padded = new float[3 * (size.Height + 2 * Halo) * (size.Width + 2 * Halo)];
            Previous = hasCoarse ? new float[3 * size.Pixels] : [];
            Output = new float[3 * size.Pixels];
            var noise = OrtValue.CreateTensorValueFromMemory(Noise, [1, 3, size.Height, size.Width]);
            HeadInputs = hasCoarse ? [noise, OrtValue.CreateTensorValueFromMemory(Coarse, [1, 3, coarseSize.Height, coarseSize.Width])] : [noise];
            var padded = OrtValue.CreateTensorValueFromMemory(Padded, [1, 3, size.Height + 2 * Halo, size.Width + 2 * Halo]);
            HeadOutputs = hasCoarse ? [padded, OrtValue.CreateTensorValueFromMemory(Previous, [1, 3, size.Height, size.Width])] : [padded];
        }

        public float[] Noise { get; }
        public float[] Coarse { get; }
        public float[] Padded { get; }
        public float[] Previous { get; }
        public float[] Output { get; }
        public OrtValue[] HeadInputs { get; }
        public OrtValue[] HeadOutputs { get; }

        public Strip Strip(int rows)
        {
            if (!strips.TryGetValue(rows, out var strip)) strips[rows] = strip = new Strip(rows, size.Width);
            return strip;
        }

        public void Dispose()
        {
            foreach (var v in HeadInputs.Concat(HeadOutputs)) v.Dispose();
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
