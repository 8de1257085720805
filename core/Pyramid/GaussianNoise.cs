namespace SetGan.Core.Pyramid;

/// <summary>Seeded standard normal noise (Box-Muller); one channel repeated over RGB at scale 0, as SinGAN draws it.</summary>
internal sealed class GaussianNoise(int seed)
{
    private readonly Random random = new(seed);

    /// <summary>Fills a 3-plane buffer with noise and returns it.</summary>
    public float[] Fill(int scale, float[] z)
    {
        int plane = z.Length / 3;
        int channels = scale == 0 ? 1 : 3;
        for (int i = 0; i < channels * plane; i++) z[i] = Next();
        if (scale == 0) { Array.Copy(z, 0, z, plane, plane); Array.Copy(z, 0, z, 2 * plane, plane); }
        return z;
    }

    private float Next()
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
