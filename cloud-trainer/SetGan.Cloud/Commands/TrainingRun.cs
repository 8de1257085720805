using SetGan.Cloud.Console;
using SetGan.Core.Packaging;
using SetGan.Core.Imaging;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;

namespace SetGan.Cloud.Commands;

/// <summary>Where and how the progressive mode publishes each usable truncation.</summary>
public sealed record Publishing(string Folder, string PrivateKey, ModelPrecision Precision = ModelPrecision.Float32);

/// <summary>One `train` job: validate the input, train into OUT.partial with progress and logs, then publish OUT.</summary>
public static class TrainingRun
{
    /// <param name="watcher">Hears the training's events besides the progress view (the fleet worker reports progress with them).</param>
    public static async Task<ModelDirectory> RunAsync(string imageName, byte[] imageBytes, TrainingSettings settings, string output, bool force, CancellationToken cancel,
        Publishing? publish = null, ITrainingObserver? watcher = null)
    {
        var source = ImageFile.Decode(imageBytes, imageName);
        var trainer = new PyramidTrainer(settings, Serilog.Core.Logger.None);
        var geometry = trainer.Geometry(source);
        var record = trainer.Describe(imageName, imageBytes, geometry);
        var dir = ModelDirectory.BeginTraining(output, record, force);
        int completed = dir.CompletedScales();

        using (var log = RunLog.Create(Path.Combine(dir.Path, "logs", "train.json")))
        {
            log.Information("Training {Image} ({Width}x{Height}) with preset {Preset}, mode {Mode}, compute {Compute}: {Scales} scales {Sizes}, {Iterations} iterations each, into {Output}",
                imageName, source.Width, source.Height, settings.Preset, settings.Mode, settings.Compute.Name(), geometry.ScaleCount, string.Join(" ", geometry.Sizes), settings.Iterations, output);
            if (settings.EarlyStop is { } es) log.Information("Early stop on: {EarlyStop}", es);
            var publisher = publish is { } p
                ? new ProgressivePublisher(p.Folder, p.PrivateKey, p.Precision, e => log.Information("Published k = {K} as package version {Version} after {Seconds:F1} s: {Package}", e.K, e.Version, e.SecondsSinceStart, e.Package))
                : null;
            var running = new PyramidTrainer(settings, log);
            await TrainingProgressView.RunAsync(geometry, settings, completed, log, RunLog.Interactive,
                observer => Task.Run(() => running.Train(source, dir, watcher is null ? observer : new BothObservers(observer, watcher), cancel, publisher is null ? null : k => publisher.Publish(dir, k)), cancel));
            log.Information("Training finished: {Output}", output);
        }
        return dir.Complete();
    }

    private sealed class BothObservers(ITrainingObserver first, ITrainingObserver second) : ITrainingObserver
    {
        public void ScaleStarted(int scale, SetGan.Core.Pyramid.ScaleSize size, int nfc, bool resumed) { first.ScaleStarted(scale, size, nfc, resumed); second.ScaleStarted(scale, size, nfc, resumed); }
        public void Iteration(IterationReport report) { first.Iteration(report); second.Iteration(report); }
        public void ScaleFinished(int scale, ScaleRecord record) { first.ScaleFinished(scale, record); second.ScaleFinished(scale, record); }
    }

    public static byte[] ReadInput(string path)
    {
        if (Directory.Exists(path)) throw new ImageLoadException($"'{path}' is a folder, not an image file");
        if (!File.Exists(path)) throw new ImageLoadException($"image file not found: '{path}'");
        return File.ReadAllBytes(path);
    }
}
