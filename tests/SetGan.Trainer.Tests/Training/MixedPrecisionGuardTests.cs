using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests.Training;

public sealed class MixedPrecisionGuardTests
{
    private static (Generator G, Discriminator D) Networks(ComputePrecision compute)
    {
        using var random = ScaleRun.Random(1, TrainingSettings.Quick);
        return ScaleRun.Networks(1, TrainingSettings.Quick with { Compute = compute }, CPU, random);
    }

    /// <summary>A critic step on a tiny image; <paramref name="poison"/> decides whether its gradients come back NaN.</summary>
    private static double CriticStep(Discriminator D, Func<bool> poison)
    {
        D.zero_grad();
        using var x = randn(1, 3, 24, 24);
        using var critic = D.forward(x);
        using var loss = critic.mean();
        loss.backward();
        if (poison())
            using (no_grad()) D.parameters().First().grad!.fill_(double.NaN); // what the AMX conv backward sometimes returns
        return loss.item<float>();
    }

    [Fact]
    public void A_bf16_step_with_non_finite_gradients_is_done_again_in_float32_and_bf16_resumes_after_it()
    {
        var (G, D) = Networks(ComputePrecision.BFloat16);
        using (G)
        using (D)
        {
            var guard = new MixedPrecisionGuard(G, D, scale: 1);
            var precisions = new List<ScalarType?>();
            double loss = guard.Step(() =>
            {
                precisions.Add(D.Net.Compute);
                return CriticStep(D, poison: () => D.Net.Compute is not null);
            }, D, double.IsFinite, iteration: 7, "critic");

            precisions.ShouldBe([ScalarType.BFloat16, null]);
            double.IsFinite(loss).ShouldBeTrue();
            MixedPrecisionGuard.GradientsFinite(D).ShouldBeTrue();
            guard.Redone.ShouldBe(1);
            (G.Net.Compute, D.Net.Compute).ShouldBe((ScalarType.BFloat16, ScalarType.BFloat16));

            guard.Step(() => CriticStep(D, poison: () => false), D, double.IsFinite, iteration: 8, "critic");
            guard.Redone.ShouldBe(1, "a finite bf16 step is kept as it is");
        }
    }

    [Theory]
    [InlineData(ComputePrecision.BFloat16)]
    [InlineData(ComputePrecision.Float32)]
    public void A_step_that_is_not_finite_in_float32_either_stops_training_with_the_scale_and_iteration(ComputePrecision compute)
    {
        var (G, D) = Networks(compute);
        using (G)
        using (D)
        {
            var guard = new MixedPrecisionGuard(G, D, scale: 3);
            int calls = 0;
            var error = Should.Throw<TrainingDivergedException>(() =>
                guard.Step(() => { calls++; return CriticStep(D, poison: () => true); }, D, double.IsFinite, iteration: 42, "critic"));
            error.Message.ShouldContain("scale 3, iteration 42");
            error.Message.ShouldContain("critic");
            calls.ShouldBe(compute == ComputePrecision.BFloat16 ? 2 : 1, "only a bf16 step has a float32 step to fall back on");
            D.Net.Compute.ShouldBe(compute == ComputePrecision.BFloat16 ? ScalarType.BFloat16 : null);
        }
    }

    [Fact]
    public void A_non_finite_loss_counts_as_well_as_non_finite_gradients()
    {
        var (G, D) = Networks(ComputePrecision.Float32);
        using (G)
        using (D)
        {
            var guard = new MixedPrecisionGuard(G, D, scale: 0);
            Should.Throw<TrainingDivergedException>(() => guard.Step(() => (1.0, double.NaN), G,
                l => double.IsFinite(l.Item1) && double.IsFinite(l.Item2), iteration: 1, "generator")).Message.ShouldContain("generator");
        }
    }

    [Fact]
    public void Chain_tuning_that_ends_in_NaN_stops_training_instead_of_saving_the_scale_tuned()
    {
        using var below = new TrainedScale(0, new(20, 16), 32, new Generator(32), 1.0, randn(1, 3, 16, 20));
        using var broken = new TrainedScale(1, new(26, 20), 32, new Generator(32), 0.1, zeros(1, 3, 20, 26));
        using (no_grad()) broken.G.parameters().First().fill_(double.NaN); // whatever the cause, the tuned function is NaN
        using var real = rand(1, 3, 20, 26);

        var error = Should.Throw<TrainingDivergedException>(() =>
            ChainTuning.Tune(broken, [below], real, TrainingSettings.Quick with { ChainTuneSteps = 2 }, CPU));
        error.Message.ShouldContain("chain tuning of scale 1 diverged at step 1");
        error.Message.ShouldContain("stays saved as trained, untuned");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void One_non_finite_value_in_any_gradient_is_found(double value)
    {
        var (G, D) = Networks(ComputePrecision.Float32);
        using (G)
        using (D)
        {
            CriticStep(D, poison: () => false);
            MixedPrecisionGuard.GradientsFinite(D).ShouldBeTrue();
            var last = D.parameters().Last(p => p.grad is not null);
            using (no_grad()) last.grad!.view(-1)[0] = value;
            MixedPrecisionGuard.GradientsFinite(D).ShouldBeFalse();
        }
    }
}
