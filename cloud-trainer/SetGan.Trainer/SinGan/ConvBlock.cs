using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>SinGAN's ConvBlock: 3x3 conv (no padding), BatchNorm, LeakyReLU(0.2).</summary>
public sealed class ConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d norm;
    private readonly LeakyReLU LeakyRelu;

    public ConvBlock(int inChannels, int outChannels, int kernelSize = 3) : base(nameof(ConvBlock))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: 1L, padding: 0L);
        norm = nn.BatchNorm2d(outChannels);
        LeakyRelu = nn.LeakyReLU(0.2);
        RegisterComponents();
    }

    public Conv2d Conv => conv;
    public BatchNorm2d Norm => norm;

    public override Tensor forward(Tensor x) => LeakyRelu.forward(norm.forward(conv.forward(x)));
}
