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
    /// The same block computed in <paramref name="compute"/>: the conv's weights are cast on the way in, so their
    /// gradients come back in the weights' own dtype; BatchNorm keeps float32 parameters and running statistics
    /// (libtorch's mixed-type BatchNorm), so exported models fold the same statistics as in float32 training.
    /// </summary>
    public Tensor Forward(Tensor x, ScalarType compute)
    {
        if (compute == conv.weight!.dtype) return forward(x);
        using var w = conv.weight!.to(compute);
        using var b = conv.bias!.to(compute);
        using var y = nn.functional.conv2d(x, w, b);
        using var n = nn.functional.batch_norm(y, norm.running_mean, norm.running_var, norm.weight, norm.bias, norm.training, norm.momentum ?? 0.1, norm.eps);
        return nn.functional.leaky_relu(n, 0.2);
    }
}
