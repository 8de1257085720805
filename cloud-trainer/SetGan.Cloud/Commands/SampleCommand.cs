using System.CommandLine;
using SetGan.Core.Pyramid;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan sample MODEL --count N [--scale k] [--size WxH]`.</summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model-dir") { Description = "A model folder written by `setgan train`." };
        var count = new Option<int>("--count") { Description = "How many random samples to write.", DefaultValueFactory = _ => 8 };
        var scale = new Option<int?>("--scale") { Description = "Truncate the pyramid at scale k (0 = coarsest; default: the finest). Output is at scale k's resolution." };
        var size = new Option<string?>("--size") { Description = "Output size WxH at scale k (any aspect ratio); default: the trained size." };
        var seed = new Option<long>("--seed") { Description = "Random seed for the noise.", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "Folder for the PNGs (default: MODEL/samples/kK)." };

        var command = new Command("sample", "Write random samples (PNG) and a contact sheet (real image first) from a trained pyramid.")
        {
            model, count, scale, size, seed, output,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            ScaleSize? wanted = parse.GetValue(size) is { } text ? ScaleSize.Parse(text) : null;
            var result = Sampling.Write(parse.GetValue(model)!, parse.GetValue(count), parse.GetValue(scale), wanted, parse.GetValue(seed), parse.GetValue(output));
            System.Console.WriteLine($"{result.Files.Count} samples at k = {result.Scale} ({result.Size}) in {Path.GetDirectoryName(result.ContactSheet)}");
            System.Console.WriteLine($"contact sheet: {result.ContactSheet}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
