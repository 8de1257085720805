using System.CommandLine;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Core.Pyramid;
using SetGan.Trainer.Checkpoints;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan keys new`, `setgan export` and `setgan generate`: signed ONNX packages and running them.</summary>
public static class PackageCommands
{
    public static Command Keys()
    {
        var output = new Option<string>("--out") { Description = "Folder for setgan-signing.key (private, mode 600) and setgan-signing.pub (give this one to devices).", DefaultValueFactory = _ => "keys" };
        var create = new Command("new", "Make a new ECDSA P-256 key pair for signing packages.") { output };
        create.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            var (priv, pub) = PackageSigning.NewKeyPair(parse.GetValue(output)!);
            System.Console.WriteLine($"private key: {priv}\npublic key:  {pub}");
            return Task.FromResult(0);
        }));
        return new Command("keys", "Signing keys for pyramid packages.") { create };
    }

    public static Command Export()
    {
        var model = new Argument<string>("model-dir") { Description = "A finished model folder written by `setgan train`." };
        var output = new Option<string>("--out") { Description = "Package folder to create (G0.onnx..GN.onnx, manifest.json, manifest.sig).", Required = true };
        var key = new Option<string>("--key") { Description = "The private signing key (PEM) from `setgan keys new`.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PrivateKeyFile) };
        var force = new Option<bool>("--force") { Description = "Replace an existing package folder." };
        var precision = new Option<ModelPrecision>("--precision")
        {
            Description = "float32: the trained function exactly. int8: body convs quantized with ranges calibrated on the float pyramid's own samples, "
                + "about 2x faster on CPUs with integer dot products and 3x smaller, at a measured cost in quality (run `setgan evaluate` on it).",
            DefaultValueFactory = _ => ModelPrecision.Float32,
        };
        var command = new Command("export", "Export every generator to ONNX (BatchNorm folded, any image size) as a signed package.") { model, output, key, force, precision };
        command.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            PackageExporter.Export(parse.GetValue(model)!, parse.GetValue(output)!, ReadKey(parse.GetValue(key)!), parse.GetValue(force), parse.GetValue(precision));
            System.Console.WriteLine($"package written to {Path.GetFullPath(parse.GetValue(output)!)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command Generate()
    {
        var package = new Argument<string>("package") { Description = "A package folder written by `setgan export`." };
        var publicKey = new Option<string>("--public-key") { Description = "The public key (PEM) the package must be signed with.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PublicKeyFile) };
        var k = new Option<int?>("--k") { Description = "Run G_0..G_k (0 = coarsest; default: all scales)." };
        var count = new Option<int>("--count") { Description = "How many samples.", DefaultValueFactory = _ => 4 };
        var size = new Option<string?>("--size") { Description = "Output size WxH (any aspect ratio); default: scale k's trained size." };
        var seed = new Option<int>("--seed") { Description = "First noise seed; sample i uses seed + i.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0 = its default).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Folder for the PNGs.", DefaultValueFactory = _ => "generated" };
        var command = new Command("generate", "Verify a package and generate samples with ONNX Runtime (what a device runs).") { package, publicKey, k, count, size, seed, threads, output };
        command.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            if (parse.GetValue(count) < 1) throw new ArgumentException("--count must be at least 1");
            using var pyramid = PyramidPackage.Load(parse.GetValue(package)!, ReadKey(parse.GetValue(publicKey)!), parse.GetValue(threads));
            int truncation = parse.GetValue(k) ?? pyramid.FinestScale;
            if (truncation < 0 || truncation > pyramid.FinestScale) throw new ArgumentException($"--k {truncation} is outside this package's truncations 0..{pyramid.FinestScale}");
            ScaleSize? wanted = parse.GetValue(size) is { } text ? ScaleSize.Parse(text) : null;
            string folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            for (int i = 0; i < parse.GetValue(count); i++)
                ImageFile.SavePng(pyramid.Generate(truncation, wanted, parse.GetValue(seed) + i), Path.Combine(folder, $"k{truncation}-{i:000}.png"));
            System.Console.WriteLine($"{parse.GetValue(count)} samples at k = {truncation} in {Path.GetFullPath(folder)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>Reads a PEM key file, or says how to make one.</summary>
    internal static string ReadKey(string path) =>
        File.Exists(path) ? File.ReadAllText(path) : throw new ArgumentException($"key file not found: '{path}' (make one with `setgan keys new`)");
}
