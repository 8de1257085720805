using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;

namespace SetGan.Bench;

/// <summary>
/// Analytical conv FLOPs of one SinGAN training iteration (2 FLOPs per multiply-add; BatchNorm,
/// activations and the optimiser are not counted, so achieved rates are slight underestimates).
/// </summary>
public static class ConvFlops
{
    /// <summary>Forward FLOPs of the training body, whose tail computes the padded channel count (blocker 2).</summary>
    public static double Forward(int height, int width, int nfc, int outChannels) =>
        GeneratorFlops.Body(height, width, nfc, Math.Max(SinGanBody.TailChannels, outChannels));

    /// <summary>
    /// One iteration at scale n, counted in conv-pass units (forward = 1, backward for input and
    /// weight gradients = 2, input gradient only = 1): each critic step runs D(real) 3, G(noise)
    /// without grad 1, D(fake) 3, and the gradient penalty D(x) 1 + its input gradient 1 + the
    /// backward through both 3; each generator step runs G(noise) 3, D(fake) with D frozen 2 and
    /// the reconstruction G 3. SinGAN's draw of the image from below adds one forward of every
    /// lower generator per critic step.
    /// </summary>
    public static double Iteration(IReadOnlyList<ScaleSize> sizes, int n, int dSteps = 3, int gSteps = 3)
    {
        var s = sizes[n];
        int nfc = NetworkWidth.Nfc(n);
        double g = Forward(s.Height + 10, s.Width + 10, nfc, 3);
        double d = Forward(s.Height, s.Width, nfc, 1);
        double lower = 0;
        for (int i = 0; i < n; i++) lower += Forward(sizes[i].Height + 10, sizes[i].Width + 10, NetworkWidth.Nfc(i), 3);
        double criticStep = 3 * d + 1 * g + 3 * d + 5 * d + (n > 0 ? lower : 0);
        double generatorStep = 3 * g + 2 * d + 3 * g;
        return dSteps * criticStep + gSteps * generatorStep;
    }
}
