using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using static TorchSharp.torch;

namespace SetGan.Trainer.Checkpoints;

/// <summary>`setgan export`: a finished model folder -> a signed package of ONNX generators.</summary>
public static class PackageExporter
{
    public static void Export(string modelPath, string output, string privateKeyPem, bool force)
    {
        var dir = ModelDirectory.Open(modelPath);
        var model = dir.ReadModel();
        using var pyramid = TrainedPyramid.Load(dir, CPU);
        var zOpt = dir.ReadScale(0).ZOpt ?? throw new CheckpointException($"scale 0 of '{modelPath}' has no z_opt");
        var first = pyramid.Scales[0].Size;
        var source = new PackageSource(model.SourceImage, model.SourceSha256, model.TrainerVersion, model.ScaleFactor,
            new NoiseMap { Width = first.Width, Height = first.Height, Values = zOpt });
        var generators = pyramid.Scales
            .Select(s => new PackagedGenerator(GeneratorExport.Weights(s), s.Size, s.Nfc))
            .ToList();
        PackageWriter.Write(output, source, generators, privateKeyPem, force);
    }
}
