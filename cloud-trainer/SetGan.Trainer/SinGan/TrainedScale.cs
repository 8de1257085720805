using SetGan.Core.Pyramid;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>
/// One finished scale n: the frozen generator G_n (eval mode, BatchNorm on running statistics),
/// noise_amp_n and the reconstruction noise z_opt_n (a fixed map at scale 0, zeros above).
/// </summary>
public sealed class TrainedScale(int scale, ScaleSize size, int nfc, Generator generator, double noiseAmp, Tensor zOpt) : IDisposable
{
    public int Scale { get; } = scale;
    public ScaleSize Size { get; } = size;
    public int Nfc { get; } = nfc;
    public Generator G { get; } = generator;
    public double NoiseAmp { get; } = noiseAmp;

    /// <summary>Unpadded 1x3xHxW reconstruction noise.</summary>
    public Tensor ZOpt { get; } = zOpt;

    public void Dispose()
    {
        G.Dispose();
        ZOpt.Dispose();
    }
}
