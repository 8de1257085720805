using SetGan.Core.Packaging;
using SetGan.Trainer.SinGan;
using static TorchSharp.torch;

namespace SetGan.Trainer.Checkpoints;

/// <summary>`setgan export`: a model folder -> a signed package of ONNX generators.</summary>
public static class PackageExporter
{
    /// <summary>Exports a finished model: every scale.</summary>
    public static PackageManifest Export(string modelPath, string output, string privateKeyPem, bool force, ModelPrecision precision = ModelPrecision.Float32) =>
        Export(ModelDirectory.Open(modelPath), scales: null, output, privateKeyPem, force, precision);

    /// <summary>Exports G_0..G_{scales-1} of a model, finished or still training (the progressive mode).</summary>
    public static PackageManifest Export(ModelDirectory dir, int? scales, string output, string privateKeyPem, bool force,
        ModelPrecision precision = ModelPrecision.Float32)
    {
        var model = dir.ReadModel();
        using var pyramid = TrainedPyramid.Load(dir, CPU, scales);
        var zOpt = dir.ReadScale(0).ZOpt ?? throw new CheckpointException($"scale 0 of '{dir.Path}' has no z_opt");
        var first = pyramid.Scales[0].Size;
        var source = new PackageSource(model.SourceImage, model.SourceSha256, model.TrainerVersion, model.ScaleFactor,
            new NoiseMap { Width = first.Width, Height = first.Height, Values = zOpt });
        var generators = pyramid.Scales
            .Select(s => new PackagedGenerator(GeneratorExport.Weights(s), s.Size, s.Nfc))
            .ToList();
        return PackageWriter.Write(output, source, generators, privateKeyPem, force, precision);
    }
}
