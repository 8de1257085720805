using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SetGan.Core.Imaging;
using SetGan.Core.Onnx;
using SetGan.Core.Pyramid;

namespace SetGan.Core.Packaging;

/// <summary>
/// A verified pyramid package loaded into ONNX Runtime, one session per scale. Nothing runs before
/// the signature of manifest.json and the SHA-256 and size of every file have been checked.
/// Buffers are reused between images, so one instance generates one image at a time.
/// </summary>
public sealed class PyramidPackage : IDisposable
{
    private readonly List<IGenerator> generators;
    private readonly Dictionary<ScaleSize, float[]> noiseBuffers = new();

    private PyramidPackage(string path, PackageManifest manifest, List<IGenerator> generators)
    {
        Path = path;
        Manifest = manifest;
        this.generators = generators;
    }

    public string Path { get; }
    public PackageManifest Manifest { get; }

    /// <summary>N: the finest scale; valid truncations are k = 0..N.</summary>
    public int FinestScale => Manifest.Scales.Count - 1;
    public IReadOnlyList<ScaleSize> Sizes => Manifest.Scales.Select(s => new ScaleSize(s.Width, s.Height)).ToList();

    /// <summary>FLOPs of one image at the trained sizes from G_0..G_k, with each generator's own width.</summary>
    public double Flops(int k)
    {
        CheckK(k);
        return Manifest.Flops(k);
    }

    /// <param name="leanMemory">ONNX Runtime without its CPU arena and memory patterns: less resident memory on a device.</param>
    /// <summary>The manifest alone, its signature verified: for the cloud, which plans with it and runs nothing.</summary>
    public static PackageManifest ReadManifest(string folder, string publicKeyPem)
    {
        string dir = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(dir)) throw new PackageException($"package folder not found: '{folder}'");
        byte[] manifestBytes = ReadRequired(dir, PackageWriter.ManifestFile);
        if (!PackageSigning.Verify(manifestBytes, ReadRequired(dir, PackageWriter.SignatureFile), publicKeyPem))
            throw new PackageException($"{PackageWriter.ManifestFile}: the signature does not verify with this public key (tampered, or signed by another key)");
        return Parse(manifestBytes);
    }

    /// <summary>The manifest with its signature and every generator file's size and SHA-256 checked, without loading a model.</summary>
    public static PackageManifest Verify(string folder, string publicKeyPem)
    {
        var manifest = ReadManifest(folder, publicKeyPem);
        string dir = System.IO.Path.GetFullPath(folder);
        foreach (var scale in manifest.Scales) ReadVerified(dir, scale);
        return manifest;
    }

    /// <param name="stripRows">Above 0, every generator runs its convs over strips of at most this many output rows
    /// (<see cref="StripGenerator"/>): the same images with a fraction of the activation memory.</param>
    public static PyramidPackage Load(string folder, string publicKeyPem, int intraOpThreads = 0, bool leanMemory = false, int stripRows = 0)
    {
        string dir = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(dir)) throw new PackageException($"package folder not found: '{folder}'");
        byte[] manifestBytes = ReadRequired(dir, PackageWriter.ManifestFile);
        byte[] signature = ReadRequired(dir, PackageWriter.SignatureFile);
        if (!PackageSigning.Verify(manifestBytes, signature, publicKeyPem))
            throw new PackageException($"{PackageWriter.ManifestFile}: the signature does not verify with this public key (tampered, or signed by another key)");

        var manifest = Parse(manifestBytes);
        var generators = new List<IGenerator>();
        try
        {
            foreach (var scale in manifest.Scales)
            {
                byte[] model = ReadVerified(dir, scale);
                try
                {
                    generators.Add(stripRows > 0
                        ? new StripGenerator(model, scale.Scale, stripRows, intraOpThreads, leanMemory)
                        : new OnnxGenerator(model, scale.Scale, intraOpThreads, leanMemory));
                }
                catch (Exception e) when (e is OnnxRuntimeException or Google.Protobuf.InvalidProtocolBufferException or InvalidOperationException)
                {
                    throw new PackageException($"{scale.File}: ONNX Runtime cannot load it: {e.Message.ReplaceLineEndings(" ")}");
                }
            }
        }
        catch
        {
            foreach (var g in generators) g.Dispose();
            throw;
        }
        return new PyramidPackage(dir, manifest, generators);
    }

    /// <summary>A random sample of the pyramid truncated at k, at the trained size or <paramref name="output"/>.</summary>
    public RgbImage Generate(int k, ScaleSize? output = null, int seed = 0) =>
        Run(k, output is { } size ? SampleSizes.ForOutput(Sizes, size, k) : Sizes.Take(k + 1).ToList(), new GaussianNoise(seed));

    /// <summary>The reconstruction of the real image at scale k: z_opt at scale 0, zero noise above.</summary>
    public RgbImage Reconstruct(int k) => Run(k, Sizes.Take(k + 1).ToList(), null);

    private RgbImage Run(int k, IReadOnlyList<ScaleSize> sizes, GaussianNoise? noise)
    {
        CheckK(k);
        float[]? previous = null;
        for (int n = 0; n <= k; n++)
        {
            float[] z = noise is null ? ReconstructionNoise(n, sizes[n]) : noise.Fill(n, NoiseBuffer(sizes[n]));
            previous = generators[n].Run(z, sizes[n], previous, n == 0 ? default : sizes[n - 1]);
        }
        return ToImage(previous!, sizes[k]);
    }

    /// <summary>Runs G_start..G_k with <paramref name="injected"/> as the input of G_start (the image apps).</summary>
    internal RgbImage RunFrom(int start, int k, RgbImage injected, IReadOnlyList<ScaleSize> sizes, int seed)
    {
        CheckK(k);
        var noise = new GaussianNoise(seed);
        float[] previous = ModelRange.FromImage(injected);
        var previousSize = new ScaleSize(injected.Width, injected.Height);
        for (int n = start; n <= k; n++)
        {
            previous = generators[n].Run(noise.Fill(n, NoiseBuffer(sizes[n])), sizes[n], previous, previousSize);
            previousSize = sizes[n];
        }
        return ToImage(previous, sizes[k]);
    }

    /// <summary>One pass of the finest generator on an image upsampled to <paramref name="size"/> (super-resolution).</summary>
    internal RgbImage RunFinestOn(RgbImage image, ScaleSize size, int seed) =>
        ToImage(generators[FinestScale].Run(new GaussianNoise(seed).Fill(FinestScale, NoiseBuffer(size)), size, ModelRange.FromImage(image), new ScaleSize(image.Width, image.Height)), size);

    private float[] NoiseBuffer(ScaleSize size)
    {
        if (!noiseBuffers.TryGetValue(size, out var buffer)) noiseBuffers[size] = buffer = new float[3 * size.Pixels];
        return buffer;
    }

    private void CheckK(int k)
    {
        if (k < 0 || k > FinestScale) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} is outside this package's truncations 0..{FinestScale}");
    }

    /// <summary>Copies a generator's output (a reused buffer) into a new image in [0, 1].</summary>
    private static RgbImage ToImage(float[] values, ScaleSize size) => ModelRange.ToImage(values, size.Width, size.Height);

    private float[] ReconstructionNoise(int n, ScaleSize size)
    {
        var z = new float[3 * size.Pixels];
        if (n == 0)
            for (int c = 0; c < 3; c++) Array.Copy(Manifest.ZOpt.Values, 0, z, c * size.Pixels, size.Pixels);
        return z;
    }

    private static byte[] ReadRequired(string dir, string file)
    {
        string path = System.IO.Path.Combine(dir, file);
        if (!File.Exists(path)) throw new PackageException($"{file}: missing from the package '{dir}'");
        return File.ReadAllBytes(path);
    }

    private static byte[] ReadVerified(string dir, PackageScale scale)
    {
        byte[] bytes = ReadRequired(dir, scale.File);
        if (bytes.Length != scale.Bytes)
            throw new PackageException($"{scale.File}: {bytes.Length} bytes where the manifest says {scale.Bytes} (truncated or replaced)");
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != scale.Sha256.ToLowerInvariant())
            throw new PackageException($"{scale.File}: its SHA-256 does not match the manifest (tampered or corrupt)");
        return bytes;
    }

    private static PackageManifest Parse(byte[] bytes)
    {
        PackageManifest? manifest;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            string? format = doc.RootElement.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != PackageManifest.CurrentFormat)
                throw new PackageException($"{PackageWriter.ManifestFile}: unknown package format '{format ?? "(none)"}'; this build reads {PackageManifest.CurrentFormat}");
            manifest = JsonSerializer.Deserialize(bytes, PackageJson.Default.PackageManifest);
        }
        catch (JsonException e)
        {
            throw new PackageException($"{PackageWriter.ManifestFile}: does not fit the package schema: {e.Message}");
        }
        if (manifest is null) throw new PackageException($"{PackageWriter.ManifestFile}: empty");
        Validate(manifest);
        return manifest;
    }

    private static void Validate(PackageManifest m)
    {
        void Fail(string why) => throw new PackageException($"{PackageWriter.ManifestFile}: {why}");
        if (m.Scales.Count == 0) Fail("no scales");
        if (m.Precision is not (null or "int8")) Fail($"unknown precision '{m.Precision}'; this build runs float32 (no precision given) and int8");
        for (int i = 0; i < m.Scales.Count; i++)
        {
            var s = m.Scales[i];
            if (s.Scale != i) Fail($"scale {i} is listed as {s.Scale}; scales must run 0..N in order");
            if (s.Width < 1 || s.Height < 1) Fail($"scale {i} has size {s.Width}x{s.Height}");
            if (!double.IsFinite(s.NoiseAmp) || s.NoiseAmp < 0) Fail($"scale {i} has noise_amp {s.NoiseAmp}");
            if (s.File != System.IO.Path.GetFileName(s.File) || s.File.Length == 0) Fail($"scale {i} names the file '{s.File}'; only plain file names inside the package are allowed");
        }
        if (m.ZOpt.Width != m.Scales[0].Width || m.ZOpt.Height != m.Scales[0].Height || m.ZOpt.Values.Length != m.ZOpt.Width * m.ZOpt.Height)
            Fail($"z_opt is {m.ZOpt.Width}x{m.ZOpt.Height} with {m.ZOpt.Values.Length} values; it must match scale 0 ({m.Scales[0].Width}x{m.Scales[0].Height})");
    }

    public void Dispose()
    {
        foreach (var g in generators) g.Dispose();
    }
}
