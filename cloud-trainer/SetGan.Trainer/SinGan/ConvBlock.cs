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

    /// <summary>
    /// The same block computed in <paramref name="compute"/>: the conv's weights are cast on the way in (<see cref="Conv2dIn"/>);
    /// BatchNorm keeps float32 parameters and running statistics (libtorch's mixed-type BatchNorm), so exported models
    /// fold the same statistics as in float32 training.
    /// </summary>
    public Tensor Forward(Tensor x, ScalarType compute)
    {
        using var y = Conv2dIn(conv, x, compute);
        using var n = norm.forward(y);
        return LeakyRelu.forward(n);
    }

    /// <summary>
    /// <paramref name="conv"/> applied in <paramref name="compute"/>: its weight and bias are cast on the way in, so their
    /// gradients come back in the weights' own dtype.
    /// </summary>
    public static Tensor Conv2dIn(Conv2d conv, Tensor x, ScalarType compute)
    {
        if (compute == conv.weight!.dtype) return conv.forward(x);
        using var w = conv.weight.to(compute);
        using var b = conv.bias!.to(compute);
        return nn.functional.conv2d(x, w, b);
    }
}
