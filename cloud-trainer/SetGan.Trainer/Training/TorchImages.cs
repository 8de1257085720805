using SetGan.Core.Imaging;
using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>Converts between <see cref="RgbImage"/> ([0, 1]) and SinGAN tensors ([-1, 1], shape 1x3xHxW).</summary>
public static class TorchImages
{
    public static Tensor ToTensor(RgbImage image, Device device) =>
        tensor(ModelRange.FromImage(image), new long[] { 1, 3, image.Height, image.Width }).to(device);

    public static RgbImage ToImage(Tensor t)
    {
        if (t.dim() != 4 || t.shape[0] != 1 || t.shape[1] != 3)
            throw new ArgumentException($"expected a 1x3xHxW tensor, got [{string.Join(", ", t.shape)}]");
        using var cpu = t.detach().to(float32).cpu().contiguous();
        return ModelRange.ToImage(cpu.data<float>().ToArray(), (int)t.shape[3], (int)t.shape[2]);
    }
}
