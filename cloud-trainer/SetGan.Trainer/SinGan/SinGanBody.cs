using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>
/// The body G and D share (SinGAN models.py): head ConvBlock, num_layer - 2 body ConvBlocks,
/// and a tail 3x3 conv. Five 3x3 convs give an 11x11 receptive field, hence 5 px padding.
/// </summary>
/// <remarks>
/// Blocker 2 (docs/native-blockers.md): libtorch 2.10's oneDNN conv backward gives NaN or
/// wrong input gradients for convs with very few output channels (SinGAN's 3-channel G tail and
/// 1-channel D tail). The tail therefore computes <see cref="TailChannels"/> channels and the
/// forward keeps the first <c>outChannels</c>; the extra filters get no gradient and are dropped
/// on export.
/// </remarks>
public sealed class SinGanBody : nn.Module<Tensor, Tensor>
{
    public const int NumLayer = 5;
    public const int KernelSize = 3;
    public const int Padding = (KernelSize - 1) * NumLayer / 2; // 5
    public const int TailChannels = 16;

    private readonly ConvBlock head;
    private readonly Sequential body;
    private readonly Conv2d tail;
    private readonly long outChannels;

    public SinGanBody(int inChannels, int nfc, int outChannels) : base(nameof(SinGanBody))
    {
        head = new ConvBlock(inChannels, nfc);
        var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < NumLayer - 2; i++) blocks.Add(($"block{i + 1}", new ConvBlock(nfc, nfc)));
        body = nn.Sequential(blocks);
        tail = nn.Conv2d(nfc, Math.Max(TailChannels, outChannels), KernelSize, stride: 1L, padding: 0L);
        this.outChannels = outChannels;
        RegisterComponents();
    }

    public long OutChannels => outChannels;
    public ConvBlock Head => head;
    public IEnumerable<ConvBlock> Blocks => body.children().Cast<ConvBlock>();
    public Conv2d Tail => tail;

    /// <summary>
    /// What the layers compute in; null (the default) is the weights' own dtype. BFloat16 runs the convs on
    /// the CPU's bf16 matrix units (AMX, AVX512-BF16) while weights, their gradients, inputs and outputs
    /// keep their dtype (mixed precision: the optimiser and the losses never see bf16).
    /// </summary>
    public ScalarType? Compute { get; set; }

    public override Tensor forward(Tensor x) => Forward(x, Compute);

    /// <summary>
    /// The forward pass in <paramref name="compute"/> (null: the weights' dtype), whatever <see cref="Compute"/> says: frozen
    /// generators that several lanes draw through at once are told their precision per call, never by a shared setting.
    /// </summary>
    public Tensor Forward(Tensor x, ScalarType? compute)
    {
        if (compute is not { } type || type == tail.weight!.dtype)
        {
            using var features = body.forward(head.forward(x));
            using var all = tail.forward(features);
            return all.narrow(1, 0, outChannels);
        }
        using var input = x.to(type);
        var h = head.Forward(input, type);
        foreach (var block in Blocks) { var next = block.Forward(h, type); h.Dispose(); h = next; }
        using var t = ConvBlock.Conv2dIn(tail, h, type);
        h.Dispose();
        using var narrow = t.narrow(1, 0, outChannels);
        using var cast = narrow.to(x.dtype);
        return cast.contiguous(); // the blocks' channels-last layout stays inside (ConvBlock.Forward)
    }

    /// <summary>
    /// SinGAN's weights_init: conv ~ N(0, 0.02); BatchNorm weight ~ N(1, 0.02), bias 0. Conv biases
    /// keep PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn here again so that every
    /// number comes from <paramref name="random"/> and scales built side by side stay reproducible.
    /// </summary>
    public void InitWeights(torch.Generator? random = null)
    {
        using var _ = no_grad();
        foreach (var module in modules())
        {
            if (module is Conv2d conv)
            {
                // Tensor.normal_ rather than nn.init.normal_: TorchSharp 0.107's init ignores its generator.
                conv.weight.normal_(0.0, 0.02, random);
                double bound = 1.0 / Math.Sqrt(conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3]);
                conv.bias?.uniform_(-bound, bound, random);
            }
            else if (module is BatchNorm2d bn)
            {
                bn.weight.normal_(1.0, 0.02, random);
                nn.init.zeros_(bn.bias);
            }
        }
    }
}
