using SetGan.Core.Pyramid;
using SetGan.Trainer.Training;
using static TorchSharp.torch;

namespace SetGan.Trainer.Tests.Training;

public sealed class IterationCostProbeTests
{
    [Fact]
    public void Every_scale_asked_for_is_timed_and_the_finest_costs_the_most()
    {
        var image = SetGan.Core.Imaging.ImageResize.ToSize(SetGan.Core.Imaging.ImageFile.Load(RepoPaths.Balloons), 96, 72);
        var settings = TrainingSettings.Quick with { MaxSize = 96 };
        var geometry = PyramidGeometry.ForImage(image.Width, image.Height, settings.MaxSize);
        var reals = PyramidTrainer.RealPyramid(image, geometry).Select(r => TorchImages.ToTensor(r, CPU)).ToArray();
        try
        {
            int finest = geometry.ScaleCount - 1;
            var scales = new[] { 0, 1, finest };
            var seconds = IterationCostProbe.Measure(reals, geometry, scales, settings with { DSteps = 1, GSteps = 1 }, CPU, iterations: 1, TestContext.Current.CancellationToken);

            seconds.Keys.Order().ShouldBe(scales);
            seconds.Values.ShouldAllBe(s => s > 0 && double.IsFinite(s));
            // Several times the pixels at the same width: per-op overhead cannot hide that.
            geometry.Sizes[finest].Pixels.ShouldBeGreaterThan(4 * geometry.Sizes[0].Pixels);
            seconds[finest].ShouldBeGreaterThan(seconds[0]);
        }
        finally
        {
            foreach (var r in reals) r.Dispose();
        }
    }

    [Fact]
    public void Bf16_costs_that_shrink_the_finest_scale_put_the_coarsest_on_its_lane()
    {
        // bf16 on the quick preset, measured one thread per scale: the finest scale is 45 % of the work, so pixels x nfc^2
        // (56 %) would give it a lane of its own; on the measured costs it shares with scale 0 and the lanes end together.
        var measured = new Dictionary<int, double> { [0] = 0.091, [1] = 0.126, [2] = 0.127, [3] = 0.183, [4] = 0.611, [5] = 0.951 };
        var lanes = LaneSchedule.Plan(measured, cores: 2);

        lanes.ShouldContain(l => l.Scales.SequenceEqual(new[] { 0, 5 }));
        lanes.ShouldContain(l => l.Scales.SequenceEqual(new[] { 1, 2, 3, 4 }));
        LaneSchedule.Makespan(lanes).ShouldBe(1.047, 1e-9);
    }
}
