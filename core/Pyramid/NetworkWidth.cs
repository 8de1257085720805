namespace SetGan.Core.Pyramid;

/// <summary>SinGAN's channel schedule: nfc_n = min(32 * 2^floor(n / 4), 128) (training.py).</summary>
public static class NetworkWidth
{
    public const int NfcInit = 32;
    public const int MaxNfc = 128;

    public static int Nfc(int scale, int nfcInit = NfcInit) =>
        scale < 0 ? throw new ArgumentOutOfRangeException(nameof(scale)) : Math.Min(nfcInit * (1 << Math.Min(scale / 4, 16)), MaxNfc);

    /// <summary>
    /// Relative work of one training iteration at a scale: pixels x nfc^2, every conv being nfc wide. A formula, not a
    /// measurement: it ranks scales, and weights progress, but bf16's per-op overhead on small scales is not in it.
    /// </summary>
    public static double ConvWork(ScaleSize size, int scale, int nfcInit = NfcInit) => (double)size.Pixels * Math.Pow(Nfc(scale, nfcInit), 2);
}
