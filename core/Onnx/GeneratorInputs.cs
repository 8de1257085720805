using Microsoft.ML.OnnxRuntime;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Onnx;

/// <summary>
/// G_n's inputs for one image size, as both runners feed them: noise z and, above scale 0, the coarser scale's
/// output, in managed buffers wrapped once as OrtValues (<see cref="GeneratorOnnx.Inputs"/> names them in this order).
/// </summary>
internal sealed class GeneratorInputs : IDisposable
{
    private readonly float[] noise, coarse;

    public GeneratorInputs(ScaleSize size, ScaleSize coarseSize, bool hasCoarse)
    {
        noise = new float[3 * size.Pixels];
        coarse = hasCoarse ? new float[3 * coarseSize.Pixels] : [];
        var z = OrtValue.CreateTensorValueFromMemory(noise, [1, 3, size.Height, size.Width]);
        Values = hasCoarse ? [z, OrtValue.CreateTensorValueFromMemory(coarse, [1, 3, coarseSize.Height, coarseSize.Width])] : [z];
    }

    public OrtValue[] Values { get; }

    /// <summary>Copies this image's noise and coarser output into the bound buffers.</summary>
    public void Load(ReadOnlySpan<float> z, ReadOnlySpan<float> coarserOutput)
    {
        z.CopyTo(noise);
        if (coarse.Length > 0) coarserOutput.CopyTo(coarse);
    }

    public void Dispose()
    {
        foreach (var v in Values) v.Dispose();
    }

    /// <summary>G_0 takes noise only; every finer scale also needs the coarser output.</summary>
    public static void Check(int scale, ReadOnlySpan<float> coarse)
    {
        if (scale > 0 && coarse.IsEmpty) throw new ArgumentException($"G_{scale} needs the output of scale {scale - 1}");
    }
}

/// <summary>
/// What a runner keeps per (output size, coarser size): made at the first image of that size, reused for every
/// later one, disposed with the runner. Generating many images of one size allocates nothing new.
/// </summary>
internal sealed class PerSize<T>(Func<ScaleSize, ScaleSize, T> create) : IDisposable where T : IDisposable
{
    private readonly Dictionary<(ScaleSize Output, ScaleSize Coarse), T> items = new();

    public T For(ScaleSize size, ScaleSize coarseSize)
    {
        if (!items.TryGetValue((size, coarseSize), out var item)) items[(size, coarseSize)] = item = create(size, coarseSize);
        return item;
    }

    public void Dispose()
    {
        foreach (var item in items.Values) item.Dispose();
    }
}
