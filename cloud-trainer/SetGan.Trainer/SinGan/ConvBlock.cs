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
    /// The same block computed in <paramref name="compute"/>, channels-last: the conv's weights are cast on the way in
    /// (<see cref="Conv2dIn"/>); BatchNorm keeps float32 parameters and running statistics (libtorch's mixed-type
    /// BatchNorm), so exported models fold the same statistics as in float32 training.
    /// </summary>
    /// <remarks>
    /// Why channels-last (measured on AMX, bf16, nfc 128 at 250 px): oneDNN writes a bf16 conv's output as NHWC, and for
    /// an NCHW caller libtorch transposes it back with a generic strided copy, forwards and backwards: 23 % of a critic
    /// step. Channels-last weights make the conv answer in NHWC, and BatchNorm then runs as BatchNorm1d on the
    /// [H*W, C] view of the same memory: libtorch's 4-d channels-last BatchNorm has a serial, unvectorised double
    /// backward (the gradient penalty's), and its NCHW one sums over a batch of 1 as an extra pass. Two blocks with the
    /// penalty's double backward: 1.36x faster this way. Same statistics, same parameters, so nothing else changes.
    /// </remarks>
    public Tensor Forward(Tensor x, ScalarType compute)
    {
        using var y = Conv2dIn(conv, x, compute, channelsLast: true);
        long channels = y.shape[1], height = y.shape[2], width = y.shape[3];
        using var nhwc = y.permute(0, 2, 3, 1);
        using var rows = nhwc.reshape(-1, channels); // a view: y is channels-last
        using var normalized = nn.functional.batch_norm(rows, norm.running_mean, norm.running_var, norm.weight, norm.bias,
            norm.training, momentum: norm.momentum ?? 0.1, eps: norm.eps);
        if (norm.training) norm.num_batches_tracked?.add_(1);
        using var activated = LeakyRelu.forward(normalized);
        using var back = activated.reshape(y.shape[0], height, width, channels);
        return back.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// <paramref name="conv"/> applied in <paramref name="compute"/>: its weight and bias are cast on the way in, so their
    /// gradients come back in the weights' own dtype. With <paramref name="channelsLast"/> the cast weight is laid out
    /// NHWC, which makes libtorch's oneDNN conv answer channels-last (see <see cref="Forward(Tensor, ScalarType)"/>).
    /// </summary>
    public static Tensor Conv2dIn(Conv2d conv, Tensor x, ScalarType compute, bool channelsLast = false)
    {
        if (compute == conv.weight!.dtype && !channelsLast) return conv.forward(x);
        using var b = conv.bias!.to(compute);
        if (!channelsLast)
        {
            using var w = conv.weight.to(compute);
            return nn.functional.conv2d(x, w, b);
        }
        // TorchSharp's to() drops a permuted layout, so permute, copy, cast and permute back to the logical shape.
        using var ohwi = conv.weight.permute(0, 2, 3, 1);
        using var packed = ohwi.contiguous();
        using var cast = packed.to(compute);
        using var wNhwc = cast.permute(0, 3, 1, 2);
        return nn.functional.conv2d(x, wNhwc, b);
    }
}
