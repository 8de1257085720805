using System.CommandLine;
using System.Text.Json;
using SetGan.Core.Energy;
using SetGan.Core.Evaluation;

namespace SetGan.Cloud.Commands;

/// <summary>`setgan choose EVALUATION --device D --joules-per-image J`: SETGAN's k* for one device and budget.</summary>
public static class ChooseCommand
{
    public const int Infeasible = 3;

    public static Command Create()
    {
        var evaluation = new Argument<string>("evaluation") { Description = "evaluation.json written by `setgan evaluate`." };
        var device = new Option<string>("--device") { Description = "A device in the evaluation (a profile name, or a device that measured itself).", Required = true };
        var joules = new Option<double?>("--joules-per-image") { Description = "Budget: at most J joules per image." };
        var watts = new Option<double?>("--watts") { Description = "Budget: average power in watts (with --images-per-minute); idle power between images counts." };
        var batteryWh = new Option<double?>("--battery-wh") { Description = "Budget: a battery of this many watt-hours (with --lifetime-hours and --images-per-minute)." };
        var lifetime = new Option<double?>("--lifetime-hours") { Description = "How long the battery must last." };
        var rate = new Option<double?>("--images-per-minute") { Description = "Image rate for --watts or --battery-wh." };
        var minSsim = new Option<double?>("--min-ssim") { Description = "Quality floor: SSIM of the reconstruction at least this." };
        var maxSwd = new Option<double?>("--max-swd") { Description = "Quality floor: SWD of samples at most this." };
        var command = new Command("choose", $"Choose k*, the largest useful truncation within an energy budget, and say what bound it. Exit code {Infeasible} when nothing fits.")
        {
            evaluation, device, joules, watts, batteryWh, lifetime, rate, minSsim, maxSwd,
        };
        command.SetAction((parse, cancel) => CliErrors.Run(() =>
        {
            string path = parse.GetValue(evaluation)!;
            if (!File.Exists(path)) throw new ArgumentException($"evaluation not found: '{path}' (write one with `setgan evaluate`)");
            EvaluationReport report;
            try { report = JsonSerializer.Deserialize(File.ReadAllBytes(path), EvaluationJson.Default.EvaluationReport)!; }
            catch (JsonException e) { throw new ArgumentException($"{path}: not an evaluation written by `setgan evaluate`: {e.Message}"); }
            string name = parse.GetValue(device)!;
            var energy = report.Devices.FirstOrDefault(d => d.Device == name)
                ?? throw new ArgumentException($"device '{name}' is not in {Path.GetFileName(path)}; it has: {string.Join(", ", report.Devices.Select(d => d.Device))}");

            var budget = Budget(parse.GetValue(joules), parse.GetValue(watts), parse.GetValue(batteryWh), parse.GetValue(lifetime), parse.GetValue(rate));
            QualityFloor floor = (parse.GetValue(minSsim), parse.GetValue(maxSwd)) switch
            {
                ({ }, { }) => throw new ArgumentException("give one quality floor: --min-ssim or --max-swd"),
                ({ } s, null) => new QualityFloor.MinSsim(s),
                (null, { } d) => new QualityFloor.MaxSwd(d),
                _ => new QualityFloor.None(),
            };
            var choice = TruncationPolicy.Choose(TruncationEvaluator.Options(report, energy), budget, floor, energy.IdleWatts);
            System.Console.WriteLine($"device {name} ({energy.Source} energy), budget {budget.Describe()}, {floor.Describe()}");
            System.Console.WriteLine(choice.Reason);
            if (choice.Feasible)
                System.Console.WriteLine($"k* = {choice.K}, bound by: {choice.Binding.ToString().ToLowerInvariant()}{(choice.Quality is { } q ? $", {choice.Metric.ToString().ToUpperInvariant()} {q:G3}" : "")}");
            return Task.FromResult(choice.Feasible ? 0 : Infeasible);
        }));
        return command;
    }

    private static EnergyBudget Budget(double? joules, double? watts, double? batteryWh, double? lifetimeHours, double? rate)
    {
        int given = new[] { joules.HasValue, watts.HasValue, batteryWh.HasValue }.Count(b => b);
        if (given != 1) throw new ArgumentException("give one budget: --joules-per-image J, --watts W --images-per-minute R, or --battery-wh WH --lifetime-hours H --images-per-minute R");
        static double Positive(double? value, string option) =>
            value is { } v && v > 0 && double.IsFinite(v) ? v : throw new ArgumentException($"{option} must be a positive number");
        if (joules is not null) return new EnergyBudget.PerImage(Positive(joules, "--joules-per-image"));
        double perMinute = Positive(rate, "--images-per-minute");
        if (watts is not null) return new EnergyBudget.AveragePower(Positive(watts, "--watts"), perMinute);
        return new EnergyBudget.Battery(Positive(batteryWh, "--battery-wh"), TimeSpan.FromHours(Positive(lifetimeHours, "--lifetime-hours")), perMinute);
    }
}
