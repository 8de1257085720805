using System.CommandLine;
using SetGan.Core.Energy;
using SetGan.Core.Evaluation;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.Training;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan demo`: the main job on built-in defaults. Train the quick preset on the bundled balloons
/// image (reusing a finished model), write samples for every truncation k, run
/// the device path (signed ONNX package, verified, one image per k with ONNX Runtime), evaluate
/// every k and choose k* for each shipped device profile at its default budget.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Working folder for the demo.", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations per scale (default: the quick preset's)." };
        var port = new Option<int>("--port") { Description = "HTTP port of the fleet's dashboard (0: any free port).", DefaultValueFactory = _ => 5080 };
        var keep = new Option<bool>("--keep-running") { Description = "Leave the fleet service, its dashboard and the three agents running after the summary, until Ctrl+C." };
        var noFleet = new Option<bool>("--no-fleet") { Description = "Stop after the evaluation: no fleet service and no agents." };
        var mode = new Option<string>("--mode")
        {
            // Parallel by default since the hand-over: its random samples are SinGAN's kind again (before, its fine scales never
            // learned to sharpen a generated image and drew haze), and on 2 CPU cores it trains 1.2-1.4x faster (docs/benchmarks.md).
            Description = "parallel (the default): SETGAN, every scale at once on the cores, each handed over to the generated chain below " +
                "once it exists and tuned on it (1.2-1.4x faster here, sharper reconstructions). sequential: SinGAN, scale after scale. " +
                "Applies when the demo trains, not to a reused model.",
            DefaultValueFactory = _ => "parallel",
        };
        mode.AcceptOnlyFromAmong("sequential", "parallel");
        var precision = new Option<ModelPrecision>("--precision")
        {
            Description = "The package the devices run, as `setgan export --precision`: float32 (the default) or int8 (about 2x less time and energy per image, so k* can rise).",
            DefaultValueFactory = _ => ModelPrecision.Float32,
        };
        var command = new Command("demo", "Train the quick preset on the bundled balloons image (or reuse the model), write samples for every truncation k, export a signed ONNX package, run every k with ONNX Runtime, evaluate every k and choose k* for each shipped device profile; " +
            "then start the fleet service (embedded hub, dashboard) and three agents with different boards and emulated INA219 sensors, deploy the package, give each device its k* for one fleet budget, " +
            "change one budget remotely, stream images and power, and end with a summary table.")
        {
            output, iterations, port, keep, noFleet, mode, precision,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(async () =>
        {
            string root = parse.GetValue(output)!, modelPath = Path.Combine(root, "model");
            FleetCommands.WideWhenPiped();
            var settings = TrainingSettings.Quick with
            {
                Mode = Enum.Parse<TrainingMode>(parse.GetValue(mode)!, ignoreCase: true),
                Compute = ComputePrecisions.Auto(TrainingSettings.Quick.Device),
            };
            if (parse.GetValue(iterations) is { } n) settings = settings with { Iterations = n };

            ModelDirectory model;
            if (File.Exists(Path.Combine(modelPath, ModelDirectory.ModelFile)))
            {
                model = ModelDirectory.Open(modelPath);
                System.Console.WriteLine($"reusing the trained model in {modelPath}, trained in {model.ReadModel().Mode.ToLowerInvariant()} mode (delete it to train again)");
            }
            else
            {
                model = await TrainingRun.RunAsync("balloons.png", BundledImage(), settings, modelPath, force: false, cancel);
            }

            int scales = model.CompletedScales();
            for (int k = 0; k < scales; k++)
            {
                var result = Sampling.Write(model.Path, count: 8, scale: k, size: null, seed: 1, outDir: Path.Combine(root, "samples", $"k{k}"));
                System.Console.WriteLine($"k = {k} ({result.Size}): {result.ContactSheet}");
            }
            RunOnDevicePath(root, model, parse.GetValue(precision));
            EvaluateAndChoose(root, cancel);
            if (!parse.GetValue(noFleet))
                await FleetDemo.RunAsync(root, Path.Combine(root, "package"), Path.Combine(root, "keys"), parse.GetValue(port), parse.GetValue(keep), cancel);
            return 0;
        }, onInterrupt: "demo interrupted; run it again to resume training"));
        return command;
    }

    /// <summary>
    /// What a device will do: export the pyramid as a signed ONNX package, verify it, and generate
    /// one image per truncation k with ONNX Runtime, side by side at full size.
    /// </summary>
    private static void RunOnDevicePath(string root, ModelDirectory model, ModelPrecision precision)
    {
        string keys = Path.Combine(root, "keys");
        if (!File.Exists(Path.Combine(keys, PackageSigning.PrivateKeyFile))) PackageSigning.NewKeyPair(keys);
        string package = Path.Combine(root, "package");
        PackageExporter.Export(model.Path, package, File.ReadAllText(Path.Combine(keys, PackageSigning.PrivateKeyFile)), force: true, precision);
        using var pyramid = PyramidPackage.Load(package, File.ReadAllText(Path.Combine(keys, PackageSigning.PublicKeyFile)));
        var finest = pyramid.Sizes[^1];
        var perK = Enumerable.Range(0, pyramid.FinestScale + 1)
            .Select(k => ImageResize.ToSize(pyramid.Generate(k, seed: 1), finest.Width, finest.Height))
            .ToList();
        string sheet = Path.Combine(root, "onnx-truncations.png");
        ImageFile.SavePng(ContactSheet.Compose(perK, columns: perK.Count), sheet);
        System.Console.WriteLine($"signed ONNX package ({precision.ToString().ToLowerInvariant()}): {package}");
        System.Console.WriteLine($"k = 0..{pyramid.FinestScale} with ONNX Runtime, shown at full size left to right: {sheet}");
    }

    /// <summary>Quality and estimated energy per k, and k* for every shipped board at its default budget.</summary>
    private static void EvaluateAndChoose(string root, CancellationToken cancel)
    {
        string keys = Path.Combine(root, "keys"), folder = Path.Combine(root, "evaluation");
        string publicPem = File.ReadAllText(Path.Combine(keys, PackageSigning.PublicKeyFile));
        using var pyramid = PyramidPackage.Load(Path.Combine(root, "package"), publicPem);
        var devices = EvaluateCommand.DeviceEnergies(pyramid, [], []);
        var (report, _) = EvaluateCommand.Write(pyramid, ImageFile.Decode(BundledImage(), "balloons.png"), devices, samples: 4, seed: 1, folder,
            $"{Environment.ProcessorCount} logical cores", cancel);
        EvaluateCommand.StoreQuality(pyramid, report, File.ReadAllText(Path.Combine(keys, PackageSigning.PrivateKeyFile)), publicPem);

        // The default budgets are sized for the paper's 250 px pyramid, which the quick one fits easily;
        // a tight 1 J per image shows the trade-off: each board gets the k its own energy allows.
        const double tight = 1.0;
        var table = new Table().AddColumns("device", "default budget", "k*", $"k* at {tight} J", "J per image there (estimated)", "SSIM there");
        table.Columns[0].NoWrap = true;
        foreach (var device in report.Devices)
        {
            var profile = DeviceProfiles.Load(device.Device);
            var options = TruncationEvaluator.Options(report, device);
            var atDefault = TruncationPolicy.Choose(options, new EnergyBudget.PerImage(profile.DefaultBudgetJoulesPerImage.Value), new QualityFloor.None(), device.IdleWatts);
            var atTight = TruncationPolicy.Choose(options, new EnergyBudget.PerImage(tight), new QualityFloor.None(), device.IdleWatts);
            table.AddRow(device.Device, $"{profile.DefaultBudgetJoulesPerImage.Value:G3} J", K(atDefault), K(atTight),
                atTight.Energy is { } e ? $"{e.JoulesPerImage:G3}" : "-", atTight.Quality is { } q ? $"{q:F3}" : "-");
        }
        AnsiConsole.Write(table);
        System.Console.WriteLine($"evaluation of every k (quality, energy, EDP charts): {Path.GetFullPath(folder)}");
    }

    private static string K(TruncationChoice choice) => choice.K is { } k ? $"{k} ({choice.Binding.ToString().ToLowerInvariant()})" : "none fits";

    private static byte[] BundledImage()
    {
        using var stream = typeof(DemoCommand).Assembly.GetManifestResourceStream("SetGan.Cloud.balloons.png")
            ?? throw new InvalidOperationException("the bundled balloons.png is missing from this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
