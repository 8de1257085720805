using SetGan.Core.Imaging;

namespace SetGan.Core.Quality;

/// <summary>
/// Sliced Wasserstein distance between the distributions of 7x7 RGB patches of a reference image and
/// of another image (any size): each patch is a point in 147 dimensions; both point clouds are
/// projected on the same random unit directions and the 1-D Wasserstein-1 distances (mean absolute
/// difference of the sorted projections, matched by quantile when the counts differ) are averaged.
/// Unlike SSIM against the real image it does not punish a sample for putting the same things in
/// other places, which is what a SinGAN sample is meant to do. Units: pixel intensity in [0, 1].
/// </summary>
public sealed class PatchSwd
{
    public const int DefaultPatchSize = 7;
    private readonly int patchSize;
    private readonly int maxPatches;
    private readonly int seed;
    private readonly float[][] directions;
    private readonly float[][] referenceProjections;

    public PatchSwd(RgbImage reference, int patchSize = DefaultPatchSize, int directionCount = 128, int maxPatches = 8192, int seed = 0)
    {
        if (patchSize < 1 || directionCount < 1 || maxPatches < 1) throw new ArgumentOutOfRangeException(nameof(patchSize));
        this.patchSize = patchSize;
        this.maxPatches = maxPatches;
        this.seed = seed;
        directions = RandomDirections(directionCount, RgbImage.Channels * patchSize * patchSize, new Random(seed));
        referenceProjections = SortedProjections(reference);
    }

    /// <summary>The unit directions used, so a test can compute a known distance by hand.</summary>
    public IReadOnlyList<float[]> Directions => directions;

    public double Distance(RgbImage image)
    {
        var projections = SortedProjections(image);
        double sum = 0;
        for (int d = 0; d < directions.Length; d++) sum += Wasserstein1(referenceProjections[d], projections[d]);
        return sum / directions.Length;
    }

    private float[][] SortedProjections(RgbImage image)
    {
        var positions = PatchPositions(image);
        var result = new float[directions.Length][];
        var patch = new float[directions[0].Length];
        for (int d = 0; d < directions.Length; d++) result[d] = new float[positions.Length];
        for (int p = 0; p < positions.Length; p++)
        {
            ReadPatch(image, positions[p], patch);
            for (int d = 0; d < directions.Length; d++)
            {
                var dir = directions[d];
                float dot = 0;
                for (int i = 0; i < patch.Length; i++) dot += dir[i] * patch[i];
                result[d][p] = dot;
            }
        }
        foreach (var r in result) Array.Sort(r);
        return result;
    }

    /// <summary>Every patch position, or a seeded random subset of <c>maxPatches</c> of them.</summary>
    private (int X, int Y)[] PatchPositions(RgbImage image)
    {
        int nx = image.Width - patchSize + 1, ny = image.Height - patchSize + 1;
        if (nx < 1 || ny < 1) throw new ArgumentException($"image {image} is smaller than a {patchSize}x{patchSize} patch");
        int count = nx * ny;
        if (count <= maxPatches) return Enumerable.Range(0, count).Select(i => (i % nx, i / nx)).ToArray();
        // Not HashCode.Combine: .NET seeds it per process, which made SWD differ by about 2 % from one run to the next.
        var random = new Random(unchecked(seed * 1_000_003 + image.Width * 7_919 + image.Height));
        return Enumerable.Range(0, maxPatches).Select(_ => random.Next(count)).Select(i => (i % nx, i / nx)).ToArray();
    }

    private void ReadPatch(RgbImage image, (int X, int Y) at, float[] patch)
    {
        int i = 0;
        for (int c = 0; c < RgbImage.Channels; c++)
            for (int y = 0; y < patchSize; y++)
                for (int x = 0; x < patchSize; x++) patch[i++] = image[c, at.Y + y, at.X + x];
    }

    /// <summary>W1 between two sorted samples; unequal counts are compared at matching quantiles.</summary>
    public static double Wasserstein1(float[] a, float[] b)
    {
        if (a.Length == b.Length)
        {
            double s = 0;
            for (int i = 0; i < a.Length; i++) s += Math.Abs(a[i] - b[i]);
            return s / a.Length;
        }
        int m = Math.Max(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < m; i++)
        {
            double q = (i + 0.5) / m;
            sum += Math.Abs(a[(int)(q * a.Length)] - b[(int)(q * b.Length)]);
        }
        return sum / m;
    }

    private static float[][] RandomDirections(int count, int dimensions, Random random)
    {
        var result = new float[count][];
        for (int d = 0; d < count; d++)
        {
            var v = new double[dimensions];
            for (int i = 0; i < dimensions; i++)
            {
                double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                v[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
            double norm = Math.Sqrt(v.Sum(x => x * x));
            result[d] = v.Select(x => (float)(x / norm)).ToArray();
        }
        return result;
    }
}
