using SetGan.Core.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SetGan.Trainer.SinGan;

/// <summary>Reads a trained G_n into framework-free <see cref="GeneratorWeights"/> for ONNX export.</summary>
public static class GeneratorExport
{
    public static GeneratorWeights Weights(TrainedScale scale)
    {
        var net = scale.G.Net;
        var blocks = new[] { net.Head }.Concat(net.Blocks).Select(Fold).ToList();
        // Blocker 2 workaround: the tail computes 16 channels; only the first 3 are the image.
        var tail = net.Tail;
        int inChannels = (int)tail.weight!.shape[1];
        var tailWeight = Values(tail.weight!.narrow(0, 0, 3));
        var tailBias = Values(tail.bias!.narrow(0, 0, 3));
        return new GeneratorWeights(scale.Scale, blocks, new FoldedConv(3, inChannels, tailWeight, tailBias), scale.NoiseAmp);
    }

    private static FoldedConv Fold(ConvBlock block)
    {
        var conv = block.Conv;
        var bn = block.Norm;
        return FoldedConv.Fold((int)conv.weight!.shape[0], (int)conv.weight!.shape[1], Values(conv.weight!), Values(conv.bias!),
            Values(bn.weight!), Values(bn.bias!), Values(bn.running_mean!), Values(bn.running_var!));
    }

    private static float[] Values(Tensor t)
    {
        using var _ = no_grad();
        using var cpu = t.detach().to(float32).cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
