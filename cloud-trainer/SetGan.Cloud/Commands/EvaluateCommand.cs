using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using SetGan.Cloud.Console;
using SetGan.Cloud.Reports;
using SetGan.Core.Energy;
using SetGan.Core.Evaluation;
using SetGan.Core.Imaging;
using SetGan.Core.Packaging;
using Spectre.Console;

namespace SetGan.Cloud.Commands;

/// <summary>
/// `setgan evaluate PACKAGE --image REAL`: quality, cost and energy of every truncation k, as
/// evaluation.json, evaluation.md, charts and sample grids; the quality per k goes into the
/// package's manifest (signed again) so the cloud can choose k* from the package alone.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var package = new Argument<string>("package") { Description = "A package folder written by `setgan export`." };
        var image = new Option<string>("--image") { Description = "The real image the package was trained on (its SHA-256 must match the manifest).", Required = true };
        var publicKey = new Option<string>("--public-key") { Description = "The public key (PEM) the package must be signed with.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PublicKeyFile) };
        var key = new Option<string>("--key") { Description = "The private signing key, to store quality per k in the manifest and sign it again.", DefaultValueFactory = _ => Path.Combine("keys", PackageSigning.PrivateKeyFile) };
        var noStore = new Option<bool>("--no-store") { Description = "Leave the package's manifest as it is." };
        var profiles = new Option<string[]>("--profile") { Description = "Device profiles (name or .json path) to estimate energy for; default: every shipped profile.", AllowMultipleArgumentsPerToken = true };
        var measured = new Option<string[]>("--measured") { Description = "Energy profiles measured by devices (JSON from the agent); reported as measured.", AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int>("--samples") { Description = "Random samples per k for SWD, diversity and timing.", DefaultValueFactory = _ => 8 };
        var seed = new Option<int>("--seed") { Description = "First noise seed.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads for the timings (0 = its default).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Folder for evaluation.json, evaluation.md and the PNG charts.", DefaultValueFactory = _ => "evaluation" };
        var command = new Command("evaluate", "Measure every truncation k of a package: SSIM, SWD, diversity, size, FLOPs, time here, and energy per device (measured or estimated).")
        {
            package, image, publicKey, key, noStore, profiles, measured, samples, seed, threads, output,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            bool store = !parse.GetValue(noStore);
            string publicPem = PackageCommands.ReadKey(parse.GetValue(publicKey)!);
            string? privatePem = store ? PackageCommands.ReadKey(parse.GetValue(key)!) : null;
            using var pyramid = PyramidPackage.Load(parse.GetValue(package)!, publicPem, parse.GetValue(threads));
            var real = LoadSourceImage(parse.GetValue(image)!, pyramid.Manifest);
            var devices = DeviceEnergies(pyramid, parse.GetValue(profiles) ?? [], parse.GetValue(measured) ?? []);
            string machine = $"{Environment.ProcessorCount} logical cores, ONNX Runtime threads {(parse.GetValue(threads) is > 0 and var t ? t.ToString() : "default")}";
            var (report, charts) = Write(pyramid, real, devices, parse.GetValue(samples), parse.GetValue(seed), parse.GetValue(output)!, machine, cancel);
            if (privatePem is not null) StoreQuality(pyramid, report, privatePem, publicPem);

            Summary(report);
            System.Console.WriteLine($"evaluation written to {Path.GetFullPath(parse.GetValue(output)!)}: evaluation.json, evaluation.md, {string.Join(", ", charts.Select(Path.GetFileName))}, samples-k*.png");
            System.Console.WriteLine(store ? "quality per k stored in the package manifest (signed again)" : "package manifest left unchanged (--no-store)");
            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>Evaluates every k into <paramref name="folder"/>: evaluation.json, evaluation.md, charts and a sample grid per k.</summary>
    internal static (EvaluationReport Report, IReadOnlyList<string> Charts) Write(PyramidPackage pyramid, RgbImage real, List<DeviceEnergyReport> devices,
        int samples, int seed, string folder, string machine, CancellationToken cancel)
    {
        var evaluator = new TruncationEvaluator(pyramid, real, samples, seed);
        Directory.CreateDirectory(folder);
        var results = new List<TruncationResult>();
        StepProgress.Run("evaluating truncations", pyramid.FinestScale + 1, k =>
        {
            cancel.ThrowIfCancellationRequested();
            var result = evaluator.Evaluate(k);
            results.Add(result);
            ImageFile.SavePng(ContactSheet.Compose([evaluator.Real, result.Reconstruction, .. result.Samples], columns: 5), Path.Combine(folder, $"samples-k{k}.png"));
        });
        var report = new EvaluationReport
        {
            Package = pyramid.Path, ModelsSha256 = pyramid.Manifest.ModelsSha256(), SourceImage = pyramid.Manifest.SourceImage,
            FinestSize = pyramid.Sizes[^1].ToString(), Samples = samples, Seed = seed, Machine = machine,
            Created = DateTimeOffset.UtcNow, Truncations = results.Select(r => r.Report).ToList(), Devices = devices,
        };
        File.WriteAllText(Path.Combine(folder, "evaluation.json"), JsonSerializer.Serialize(report, EvaluationJson.Default.EvaluationReport));
        File.WriteAllText(Path.Combine(folder, "evaluation.md"), EvaluationMarkdown.Render(report));
        return (report, EvaluationCharts.WriteAll(report, folder));
    }

    internal static void StoreQuality(PyramidPackage pyramid, EvaluationReport report, string privatePem, string publicPem) =>
        PackageWriter.StoreQuality(pyramid, report.Truncations.Select(t => new TruncationQuality { K = t.K, Ssim = t.Ssim, Swd = t.Swd, Diversity = t.Diversity }).ToList(), privatePem, publicPem);

    /// <summary>The real image, refused unless it is byte for byte the one the package was trained on.</summary>
    private static RgbImage LoadSourceImage(string path, PackageManifest manifest)
    {
        // Read once: the same bytes are hashed and decoded.
        byte[] bytes = TrainingRun.ReadInput(path);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(sha, manifest.SourceSha256, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--image {path} is not the image this package was trained on ({manifest.SourceImage}, SHA-256 {manifest.SourceSha256[..12]}...)");
        return ImageFile.Decode(bytes, Path.GetFileName(path));
    }

    internal static List<DeviceEnergyReport> DeviceEnergies(PyramidPackage pyramid, string[] profileNames, string[] measuredFiles)
    {
        var flops = Enumerable.Range(0, pyramid.FinestScale + 1).Select(pyramid.Flops).ToList();
        var profiles = profileNames.Length > 0 ? profileNames.Select(p => DeviceProfiles.Load(p)).ToList() : DeviceProfiles.LoadAll();
        var reports = profiles.Select(p => TruncationEvaluator.EnergyReport(p.Name, p.IdleWatts.Value, TruncationEnergy.Estimate(p, flops))).ToList();
        foreach (var file in measuredFiles)
        {
            var profile = TruncationEnergy.LoadMeasured(file);
            reports.Add(TruncationEvaluator.EnergyReport(profile.Device, profile.IdleWatts, TruncationEnergy.FromMeasured(profile, pyramid.Manifest.ModelsSha256(), pyramid.FinestScale + 1)));
        }
        return reports;
    }

    private static void Summary(EvaluationReport report)
    {
        var table = new Table().AddColumns("k", "size", "SSIM", "sample SSIM", "SWD", "diversity", "MB", "GFLOP", "ms here");
        foreach (var t in report.Truncations)
            table.AddRow($"{t.K}", t.Size, $"{t.Ssim:F3}", $"{t.SampleSsim:F3}", $"{t.Swd:F4}", $"{t.Diversity:F3}", $"{t.ModelBytes / 1e6:F2}", $"{t.Gflop:F3}", $"{t.InferenceMs:F1}");
        AnsiConsole.Write(table);
    }
}
