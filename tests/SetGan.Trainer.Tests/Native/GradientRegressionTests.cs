using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests.Native;

/// <summary>
/// Blocker 2: libtorch 2.10's oneDNN conv backward gives NaN or wrong input gradients for convs
/// with 1 or 3 output channels (SinGAN's tails) in a few percent of runs. With the 16-channel tail
/// workaround, one full SinGAN step (critic loss with WGAN-GP, generator loss with reconstruction)
/// must give the same gradients in float32 as the same weights in float64, where oneDNN is not used.
/// </summary>
public class GradientRegressionTests
{
    private const int Repeats = 12;

    // Measured: a healthy float32 step differs from float64 by up to 1.5e-2 of a tensor's largest
    // gradient (seed 2, head conv), the same at 1 and 2 threads, from LeakyReLU kinks in the gradient
    // penalty's double backward. The oneDNN fault gives NaN or errors of order 1.
    private const double Tolerance = 5e-2;

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_training_step_has_the_same_gradients_in_float32_and_float64(int seed)
    {
        using var run = SeededStep.Create(seed);
        // The oneDNN fault is intermittent, so the float32 step is repeated on the same weights.
        for (int repeat = 0; repeat < Repeats; repeat++)
        {
            run.G.zero_grad();
            run.D.zero_grad();
            ShouldMatch(run.StepOnFloat32Weights(), run.Grads64, $"seed {seed}, repeat {repeat}");
        }
    }

    // Mixed precision (bf16 layers, float32 weights) rounds every activation to 8 significant bits, so
    // the step is held to the direction of each gradient rather than to its largest element. Measured
    // over seeds 1-6 (2026-11-27): cosine similarity with float64 from 0.981 (BatchNorm weights of the
    // middle blocks) to 1.000 for all 28 tensors of G and D; the oneDNN fault (NaN, or errors of order 1)
    // gives far less.
    private const double MinCosine = 0.95;

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_bf16_mixed_precision_step_points_the_gradients_where_float64_does(int seed)
    {
        using var run = SeededStep.Create(seed);
        run.G.Net.Compute = run.D.Net.Compute = ScalarType.BFloat16;
        var grads16 = run.StepOnFloat32Weights();
        var grads64 = run.Grads64;
        grads16.Count.ShouldBe(grads64.Count);
        for (int i = 0; i < grads16.Count; i++)
        {
            var (name, g16) = grads16[i];
            g16.dtype.ShouldBe(ScalarType.Float32, $"{name}: weights and their gradients stay float32");
            g16.isnan().any().item<bool>().ShouldBeFalse($"NaN in the gradient of {name}");
            if (name.EndsWith(".conv.bias", StringComparison.Ordinal)) continue; // zero by construction (see above): no direction to compare
            var a = g16.to(float64).flatten();
            var b = grads64[i].Grad.flatten();
            double cosine = (a.dot(b) / (a.norm() * b.norm() + 1e-30)).item<double>();
            cosine.ShouldBeGreaterThan(MinCosine, $"seed {seed}, {name}: bf16 gradient is {cosine:F4} cosine-similar to float64");
        }
    }

    private static void ShouldMatch(List<(string Name, Tensor Grad)> grads32, List<(string Name, Tensor Grad)> grads64, string run)
    {
        grads32.Count.ShouldBe(grads64.Count);
        // A conv bias in front of BatchNorm has a true gradient of zero (BatchNorm removes the mean):
        // its float32 value is pure rounding noise, so it is held to a floor set by the whole model.
        double floor = 1e-5 * grads64.Max(g => g.Grad.abs().max().item<double>());
        for (int i = 0; i < grads32.Count; i++)
        {
            var (name, g32) = grads32[i];
            var g64 = grads64[i].Grad;
            g32.isnan().any().item<bool>().ShouldBeFalse($"NaN in the gradient of {name}");
            bool zeroByConstruction = name.EndsWith(".conv.bias", StringComparison.Ordinal);
            double scale = zeroByConstruction ? 1e3 * floor : g64.abs().max().item<double>() + floor;
            double error = (g32.to(float64) - g64).abs().max().item<double>() / scale;
            error.ShouldBeLessThan(Tolerance, $"{run}, {name}: float32 differs from float64 by {error:E2} of its largest value");
        }
    }

    /// <summary>G and D (float32) from a seed, the same weights in float64 with their step's gradients, and the step's inputs.</summary>
    private sealed record SeededStep(Generator G, Discriminator D, Generator G64, Discriminator D64, Tensor Real, Tensor Noise, Tensor Prev, Tensor Mix) : IDisposable
    {
        public List<(string Name, Tensor Grad)> Grads64 { get; private init; } = [];

        public static SeededStep Create(int seed)
        {
            set_num_threads(2);
            manual_seed(seed);
            var G = new Generator(32);
            var D = new Discriminator(32);
            var G64 = new Generator(32);
            var D64 = new Discriminator(32);
            G64.load_state_dict(G.state_dict());
            D64.load_state_dict(D.state_dict());
            G64.to(float64);
            D64.to(float64);
            var real = rand(1, 3, 64, 64) * 2 - 1;
            var noise = PyramidSampler.PadInput(randn(1, 3, 64, 64) * 0.1 + real * 0.5);
            var prev = PyramidSampler.PadInput(real * 0.5);
            var mix = rand(1, 1);
            var run = new SeededStep(G, D, G64, D64, real, noise, prev, mix);
            return run with { Grads64 = Step(G64, D64, real.to(float64), noise.to(float64), prev.to(float64), mix.to(float64)) };
        }

        /// <summary>The step on the float32 weights (in whatever G.Net.Compute and D.Net.Compute say).</summary>
        public List<(string Name, Tensor Grad)> StepOnFloat32Weights() => Step(G, D, Real, Noise, Prev, Mix);

        public void Dispose()
        {
            G.Dispose();
            D.Dispose();
            G64.Dispose();
            D64.Dispose();
        }
    }

    /// <summary>One critic loss and one generator loss as in ScaleTrainer, summed and back-propagated.</summary>
    private static List<(string Name, Tensor Grad)> Step(Generator G, Discriminator D, Tensor real, Tensor noise, Tensor prev, Tensor mix)
    {
        G.train();
        D.train();
        var fake = G.forward(noise, prev);
        var interpolates = (mix * real + (1 - mix) * fake.detach()).detach().requires_grad_(true);
        var critic = D.forward(interpolates);
        var gradients = autograd.grad(new[] { critic }, new[] { interpolates }, new[] { ones_like(critic) }, retain_graph: true, create_graph: true)[0];
        var penalty = (gradients.norm(1, false, 2) - 1).pow(2).mean() * 0.1;
        var lossD = -D.forward(real).mean() + D.forward(fake.detach()).mean() + penalty;
        var lossG = -D.forward(fake).mean() + nn.functional.mse_loss(fake, real) * 10;
        (lossD + lossG).backward();
        return G.named_parameters().Concat(D.named_parameters())
            .Where(p => p.parameter.grad is not null)
            .Select(p => (p.name, p.parameter.grad!))
            .ToList();
    }
}
