namespace SetGan.Core.Onnx;

/// <summary>One 3x3 conv with BatchNorm already folded in: weight [Out, In, 3, 3] row-major, bias [Out].</summary>
public sealed record FoldedConv(int OutChannels, int InChannels, float[] Weight, float[] Bias)
{
    public const int Kernel = 3;

    /// <summary>
    /// Folds an eval-mode BatchNorm that follows a conv into the conv:
    /// w' = w * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta.
    /// </summary>
    public static FoldedConv Fold(int outChannels, int inChannels, float[] weight, float[] bias,
        float[] gamma, float[] beta, float[] runningMean, float[] runningVar, double eps = 1e-5)
    {
        int perFilter = inChannels * Kernel * Kernel;
        var w = new float[weight.Length];
        var b = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            double scale = gamma[o] / Math.Sqrt(runningVar[o] + eps);
            for (int i = 0; i < perFilter; i++) w[o * perFilter + i] = (float)(weight[o * perFilter + i] * scale);
            b[o] = (float)((bias[o] - runningMean[o]) * scale + beta[o]);
        }
        return new FoldedConv(outChannels, inChannels, w, b);
    }
}

/// <summary>
/// A trained generator G_n in inference form: four conv blocks (BatchNorm folded, LeakyReLU 0.2)
/// and the tail conv (3 output channels), plus noise_amp_n. Framework-free, so core can export it.
/// </summary>
public sealed record GeneratorWeights(int Scale, IReadOnlyList<FoldedConv> Blocks, FoldedConv Tail, double NoiseAmp)
{
    public const float LeakyReluAlpha = 0.2f;
    public const int Padding = 5;
}
