using SetGan.Trainer.SinGan;
using TorchSharp;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests;

public class NetworkTests
{
    [Fact]
    public void Five_unpadded_3x3_convs_shrink_by_10_px_so_padding_5_restores_the_size()
    {
        using var G = new Generator(32);
        using var x = zeros(1, 3, 40, 30);

        using var y = G.forward(PyramidSampler.PadInput(x), PyramidSampler.PadInput(x));

        y.shape.ShouldBe(new long[] { 1, 3, 40, 30 });
    }

    [Fact]
    public void The_discriminator_is_a_patch_critic_with_one_channel()
    {
        using var D = new Discriminator(32);
        using var y = D.forward(zeros(1, 3, 40, 30));

        y.shape.ShouldBe(new long[] { 1, 1, 30, 20 });
    }

    [Fact]
    public void The_generator_adds_a_tanh_residual_to_the_previous_image()
    {
        using var G = new Generator(32);
        using var previous = full(1, 3, 20, 20, 0.25f);

        using var y = G.forward(PyramidSampler.PadInput(previous), PyramidSampler.PadInput(previous));

        ((y - previous).abs().max().item<float>()).ShouldBeLessThanOrEqualTo(1f);
    }

    [Fact]
    public void Layers_follow_SinGAN_head_three_blocks_tail_with_BatchNorm()
    {
        using var G = new Generator(64);
        var convs = G.modules().OfType<TorchSharp.Modules.Conv2d>().ToList();
        var norms = G.modules().OfType<TorchSharp.Modules.BatchNorm2d>().ToList();

        convs.Count.ShouldBe(5);
        norms.Count.ShouldBe(4);
        G.Net.Head.Conv.weight!.shape.ShouldBe(new long[] { 64, 3, 3, 3 });
        // Blocker 2 workaround: the tail computes 16 channels; only the first 3 are used.
        G.Net.Tail.weight!.shape.ShouldBe(new long[] { SinGanBody.TailChannels, 64, 3, 3 });
        G.Net.OutChannels.ShouldBe(3);
    }
}
