using TorchSharp;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.SinGan;

/// <summary>The frozen generators of a saved model, loaded for sampling or to resume training.</summary>
public sealed class TrainedPyramid : IDisposable
{
    private TrainedPyramid(ModelRecord model, List<TrainedScale> scales)
    {
        Model = model;
        Scales = scales;
    }

    public ModelRecord Model { get; }
    public List<TrainedScale> Scales { get; }
    public IReadOnlyList<ScaleSize> Sizes => Model.Sizes;

    /// <summary>Loads scales 0..count-1 (all completed scales by default).</summary>
    public static TrainedPyramid Load(ModelDirectory dir, Device device, int? count = null)
    {
        var model = dir.ReadModel();
        int available = dir.CompletedScales();
        int n = count ?? available;
        if (n > available)
            throw new CheckpointException($"the model has {available} trained scale(s) (0..{available - 1}); scale {n - 1} is not trained yet");
        var scales = new List<TrainedScale>(n);
        for (int i = 0; i < n; i++) scales.Add(LoadScale(dir, i, device));
        return new TrainedPyramid(model, scales);
    }

    public static TrainedScale LoadScale(ModelDirectory dir, int scale, Device device)
    {
        var record = dir.ReadScale(scale);
        var G = new Generator(record.Nfc);
        dir.LoadWeights(scale, G);
        G.to(device);
        Freeze(G);
        var size = new ScaleSize(record.Width, record.Height);
        Tensor zOpt = record.ZOpt is { } values
            ? tensor(values, new long[] { 1, 1, size.Height, size.Width }).expand(1, 3, size.Height, size.Width).contiguous().to(device)
            : zeros(1, 3, size.Height, size.Width, device: device);
        return new TrainedScale(scale, size, record.Nfc, G, record.NoiseAmp, zOpt);
    }

    /// <summary>SinGAN's reset_grads(G, False) + G.eval(): BatchNorm uses running statistics from now on.</summary>
    public static void Freeze(Generator G)
    {
        foreach (var p in G.parameters()) p.requires_grad = false;
        G.eval();
    }

    public void Dispose()
    {
        foreach (var s in Scales) s.Dispose();
    }
}
