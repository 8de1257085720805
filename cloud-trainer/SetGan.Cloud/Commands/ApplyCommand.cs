using System.CommandLine;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan apply sr|paint|harmonize|edit PKG --input IMAGE --out PNG`: SinGAN's image apps with ONNX Runtime.</summary>
public static class ApplyCommand
{
    public static Command Create()
    {
        var apply = new Command("apply", "SinGAN's image applications on a signed package (runs with ONNX Runtime).");
        apply.Subcommands.Add(App("sr", "Super-resolution: enlarge INPUT by --factor, the finest generator adding detail at each 1/r step.",
            (pyramid, input, mask, scale, factor, k, seed) => ImageApps.SuperResolve(pyramid, input, factor, seed), needsScale: false, needsMask: false));
        apply.Subcommands.Add(App("paint", "Paint-to-image: inject a rough painting at a coarse --scale (1..N); the scales above add texture.",
            (pyramid, input, mask, scale, factor, k, seed) => ImageApps.Inject(pyramid, input, scale, k, seed), needsScale: true, needsMask: false));
        apply.Subcommands.Add(App("harmonize", "Harmonization: inject a naive paste at a fine --scale and blend the result inside --mask.",
            (pyramid, input, mask, scale, factor, k, seed) => ImageApps.InjectMasked(pyramid, input, mask!, scale, seed), needsScale: true, needsMask: true));
        apply.Subcommands.Add(App("edit", "Editing: inject an edited image at --scale and blend the result inside --mask (softened more than harmonize).",
            (pyramid, input, mask, scale, factor, k, seed) => ImageApps.InjectMasked(pyramid, input, mask!, scale, seed, softenRadius: 6), needsScale: true, needsMask: true));
        return apply;
    }

    private delegate RgbImage AppRun(PyramidPackage pyramid, RgbImage input, RgbImage? mask, int scale, double factor, int? k, int seed);

    private static Command App(string name, string description, AppRun run, bool needsScale, bool needsMask)
    {
        var package = new Argument<string>("package") { Description = "A package folder written by `setgan export`." };
        var publicKey = new Option<string>("--public-key") { Description = "The public key (PEM) the package must be signed with.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PublicKeyFile) };
        var input = new Option<string>("--input") { Description = "The input image (PNG or JPEG).", Required = true };
        var output = new Option<string>("--out") { Description = "The PNG to write.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Noise seed.", DefaultValueFactory = _ => 1 };
        var command = new Command(name, description) { package, publicKey, input, output, seed };
        var scale = new Option<int>("--scale") { Description = "The scale to inject at (1 = coarsest usable, N = finest).", Required = needsScale };
        var k = new Option<int?>("--k") { Description = "Stop at truncation k (default: the finest scale)." };
        var mask = new Option<string>("--mask") { Description = "Mask image: white where the result may change.", Required = needsMask };
        var factor = new Option<double>("--factor") { Description = "Enlargement factor.", DefaultValueFactory = _ => 4 };
        if (needsScale) { command.Options.Add(scale); command.Options.Add(k); }
        if (needsMask) command.Options.Add(mask);
        if (!needsScale) command.Options.Add(factor);
        command.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            using var pyramid = PyramidPackage.Load(parse.GetValue(package)!, PackageCommands.ReadKey(parse.GetValue(publicKey)!));
            var image = ImageFile.Load(parse.GetValue(input)!);
            var maskImage = needsMask ? ImageFile.Load(parse.GetValue(mask)!) : null;
            var result = run(pyramid, image, maskImage, parse.GetValue(scale), parse.GetValue(factor), parse.GetValue(k), parse.GetValue(seed));
            string file = parse.GetValue(output)!;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            ImageFile.SavePng(result, file);
            System.Console.WriteLine($"{name}: {result.Width}x{result.Height} written to {file}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
