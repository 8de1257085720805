using TorchSharp;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>
/// G_n (SinGAN's GeneratorConcatSkip2CleanAdd): x = padded (noise * noise_amp + previous),
/// y = padded previous; returns tanh(body(x)) + y cropped back to the unpadded size.
/// </summary>
public sealed class Generator : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly SinGanBody net;

    /// <param name="random">Draws the initial weights; null uses libtorch's global generator.</param>
    public Generator(int nfc, torch.Generator? random = null) : base(nameof(Generator))
    {
        net = new SinGanBody(inChannels: 3, nfc, outChannels: 3);
        RegisterComponents();
        net.InitWeights(random);
    }

    public SinGanBody Net => net;

    public override Tensor forward(Tensor x, Tensor y) => Forward(x, y, net.Compute);

    /// <summary>The forward pass with the body in <paramref name="compute"/> (<see cref="SinGanBody.Forward(Tensor, ScalarType?)"/>).</summary>
    public Tensor Forward(Tensor x, Tensor y, ScalarType? compute)
    {
        using var raw = net.Forward(x, compute);
        using var residual = raw.tanh();
        long ind = (y.shape[2] - residual.shape[2]) / 2;
        using var previous = y[.., .., TensorIndex.Slice(ind, y.shape[2] - ind), TensorIndex.Slice(ind, y.shape[3] - ind)];
        return residual + previous;
    }
}
