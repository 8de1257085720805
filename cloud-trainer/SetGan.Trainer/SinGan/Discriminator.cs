using TorchSharp;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>D_n (SinGAN's WDiscriminator): a Markovian patch critic with an 11x11 receptive field, no sigmoid.</summary>
public sealed class Discriminator : nn.Module<Tensor, Tensor>
{
    private readonly SinGanBody net;

    /// <param name="random">Draws the initial weights; null uses libtorch's global generator.</param>
    public Discriminator(int nfc, torch.Generator? random = null) : base(nameof(Discriminator))
    {
        net = new SinGanBody(inChannels: 3, nfc, outChannels: 1);
        RegisterComponents();
        net.InitWeights(random);
    }

    public SinGanBody Net => net;

    public override Tensor forward(Tensor x) => net.forward(x);
}
