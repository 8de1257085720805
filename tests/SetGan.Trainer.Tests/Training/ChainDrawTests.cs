using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests.Training;

/// <summary>The draws through the frozen chain below a training scale (SinGAN's draw_concat): batched, and in the training's precision.</summary>
public sealed class ChainDrawTests : IDisposable
{
    private static readonly ScaleSize[] Sizes = [new(20, 15), new(26, 20), new(34, 25)];
    private readonly List<TrainedScale> chain = [];

    public ChainDrawTests()
    {
        using var weights = new torch.Generator(3);
        for (int n = 0; n < Sizes.Length; n++)
        {
            var g = new Generator(32, weights);
            TrainedPyramid.Freeze(g);
            chain.Add(new TrainedScale(n, Sizes[n], 32, g, 0.1 * (n + 1), PyramidSampler.Noise(n, Sizes[n], CPU, weights)));
        }
    }

    public void Dispose() => chain.ForEach(s => s.Dispose());

    [Fact]
    public void A_batch_of_random_draws_holds_what_each_draw_alone_gives()
    {
        using var random = new torch.Generator(5);
        using var batch = PyramidSampler.Run(chain, Sizes, NoiseMode.Random, CPU, random: random, batch: 3);

        // The same numbers again, in the order the batched draw took them: scale by scale, three samples each.
        using var replay = new torch.Generator(5);
        var noise = Sizes.Select((size, n) => PyramidSampler.Noise(n, size, CPU, replay, batch: 3)).ToList();
        batch.shape.ShouldBe(new long[] { 3, 3, 25, 34 });
        for (int j = 0; j < 3; j++)
        {
            using var alone = PyramidSampler.Run(chain, Sizes, NoiseMode.Random, CPU, noise: (n, _) => noise[n].narrow(0, j, 1));
            using var inBatch = batch.narrow(0, j, 1);
            inBatch.allclose(alone, rtol: 0, atol: 1e-5).ShouldBeTrue($"sample {j}");
        }
        using var first = batch.narrow(0, 0, 1);
        using var second = batch.narrow(0, 1, 1);
        first.allclose(second).ShouldBeFalse("each sample has its own noise");
        noise.ForEach(t => t.Dispose());
    }

    [Fact]
    public void A_batch_is_for_random_draws_only()
    {
        Should.Throw<ArgumentException>(() => PyramidSampler.Run(chain, Sizes, NoiseMode.Reconstruction, CPU, batch: 2));
    }

    [Fact]
    public void The_chain_computes_in_the_precision_it_is_asked_for_whatever_the_generators_are_set_to()
    {
        // A lane tuning G_k once set every generator below it to float32 while other lanes drew through them.
        foreach (var s in chain) s.G.Net.Compute = ScalarType.BFloat16;
        using var float32 = Draw(compute: null);
        foreach (var s in chain) s.G.Net.Compute = null;
        using var bf16 = Draw(ScalarType.BFloat16);
        using var float32Again = Draw(compute: null);

        float32.allclose(float32Again, rtol: 0, atol: 0).ShouldBeTrue("the setting on the generators is not what a draw reads");
        using var difference = (bf16 - float32).abs().max();
        difference.item<float>().ShouldBeInRange(1e-6f, 0.05f); // bf16's rounding, and nothing more
        chain.ShouldAllBe(s => s.G.Net.Compute == null);
    }

    private Tensor Draw(ScalarType? compute)
    {
        using var below = new ScaleConditioning.OnGenerated(chain, Sizes, new ScaleSize(44, 33), CPU, compute);
        using var random = new torch.Generator(7);
        return below.Random(random, count: 3);
    }
}
