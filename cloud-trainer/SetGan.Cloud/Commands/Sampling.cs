using SetGan.Core.Imaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;

namespace SetGan.Cloud.Commands;

/// <summary>Writes random samples of a trained pyramid truncated at scale k, and a contact sheet.</summary>
public static class Sampling
{
    public sealed record Result(IReadOnlyList<string> Files, string ContactSheet, int Scale, ScaleSize Size);

    public static Result Write(string modelPath, int count, int? scale, ScaleSize? size, long seed, string? outDir)
    {
        if (count < 1) throw new ArgumentException("--count must be at least 1");
        var dir = ModelDirectory.Open(modelPath);
        var device = TorchRuntime.Prepare(new TrainingSettings());
        int available = dir.CompletedScales();
        int k = scale ?? available - 1;
        if (k < 0 || k >= available) throw new ArgumentException($"--scale {k} is outside the trained scales 0..{available - 1}");

        using var pyramid = TrainedPyramid.Load(dir, device, k + 1);
        var sizes = size is { } s ? SampleSizes.ForOutput(pyramid.Sizes, s, k) : pyramid.Sizes.Take(k + 1).ToList();
        string folder = outDir ?? Path.Combine(dir.Path, "samples", $"k{k}");
        Directory.CreateDirectory(folder);

        manual_seed(seed);
        var files = new List<string>();
        var images = new List<RgbImage>();
        for (int i = 0; i < count; i++)
        {
            using var sample = PyramidSampler.Run(pyramid.Scales, sizes, NoiseMode.Random, device);
            var image = TorchImages.ToImage(sample);
            string file = Path.Combine(folder, $"sample-{i:000}.png");
            ImageFile.SavePng(image, file);
            files.Add(file);
            images.Add(image);
        }
        // The real image (at scale k's trained size) comes first on the sheet, for comparison.
        var real = ImageFile.Load(Path.Combine(dir.Path, "real.png"));
        images.Insert(0, ImageResize.ToSize(real, sizes[k].Width, sizes[k].Height));
        string sheet = Path.Combine(folder, "contact-sheet.png");
        ImageFile.SavePng(ContactSheet.Compose(images, columns: (int)Math.Ceiling(Math.Sqrt(images.Count))), sheet);
        return new Result(files, sheet, k, sizes[k]);
    }
}
