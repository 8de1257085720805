using SetGan.Core.Pyramid;

namespace SetGan.Core.Onnx;

/// <summary>One generator G_n as the pyramid runs it, whole (<see cref="OnnxGenerator"/>) or in strips (<see cref="StripGenerator"/>).</summary>
public interface IGenerator : IDisposable
{
    int Scale { get; }

    /// <summary>
    /// Runs G_n on noise z (at the output size) and, above scale 0, the coarser output. The returned array
    /// is the generator's output buffer for that size: valid until its next run at that size.
    /// </summary>
    float[] Run(ReadOnlySpan<float> z, ScaleSize size, ReadOnlySpan<float> coarse = default, ScaleSize coarseSize = default);
}
