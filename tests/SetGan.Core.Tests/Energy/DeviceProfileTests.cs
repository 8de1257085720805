using System.Text.Json;
using System.Text.Json.Nodes;
using SetGan.Core.Energy;

namespace SetGan.Core.Tests.Energy;

public sealed class DeviceProfileTests : IDisposable
{
    private static readonly string Shipped = RepoPaths.File("device-profiles");
    private readonly string dir = Directory.CreateTempSubdirectory("setgan-profiles-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static TheoryData<string> Boards => new(["raspberry-pi-4", "raspberry-pi-5", "jetson-nano", "jetson-orin-nano", "odroid-xu4", "x86-dev-box"]);

    [Theory]
    [MemberData(nameof(Boards))]
    public void Every_shipped_board_fits_the_schema_and_cites_its_figures(string board)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Shipped, board + ".json")));
        DeviceProfiles.SchemaErrors(document.RootElement).ShouldBeEmpty();

        var profile = DeviceProfiles.Load(board, Shipped);
        profile.Name.ShouldBe(board);
        new[] { profile.IdleWatts, profile.EnergyPerFlopJoules, profile.SustainedGflops, profile.ThermalLimitCelsius, profile.DefaultBudgetJoulesPerImage }
            .ShouldAllBe(v => v.Value > 0 && v.Source.Length >= 10);
        profile.OnnxRuntimeThreads.ShouldBeLessThanOrEqualTo(profile.Cores);
    }

    [Fact]
    public void The_folder_holds_exactly_the_six_boards_and_the_program_ships_them()
    {
        DeviceProfiles.Names(Shipped).ShouldBe(Boards.Select(b => (string)b.Data).Order());
        DeviceProfiles.LoadAll().Select(p => p.Name).ShouldBe(DeviceProfiles.Names(Shipped));
    }

    [Fact]
    public void Sensor_fields_must_match_the_sensor_kind()
    {
        var node = Shipped1();
        node["power_sensor"] = new JsonObject { ["kind"] = "ina219", ["i2c_bus"] = 1 };
        Errors(node).ShouldNotBeEmpty();
        node["power_sensor"] = new JsonObject { ["kind"] = "rapl", ["powercap_path"] = "/tmp/not-sysfs" };
        Errors(node).ShouldNotBeEmpty();
        node["power_sensor"] = new JsonObject { ["kind"] = "estimate" };
        Errors(node).ShouldBeEmpty();
    }

    [Fact]
    public void A_figure_without_a_source_is_refused_with_the_file_and_field_named()
    {
        var node = Shipped1();
        node["idle_watts"] = new JsonObject { ["value"] = 2.7 };
        string path = Write("raspberry-pi-4.json", node.ToJsonString());

        Should.Throw<ProfileException>(() => DeviceProfiles.Load(path)).Message.ShouldSatisfyAllConditions(
            m => m.ShouldContain("raspberry-pi-4.json"), m => m.ShouldContain("/idle_watts"));
    }

    [Fact]
    public void Malformed_json_unknown_names_and_misnamed_files_get_clear_errors()
    {
        Should.Throw<ProfileException>(() => DeviceProfiles.Load(Write("broken.json", "{\"name\": "))).Message.ShouldContain("not valid JSON");
        Should.Throw<ProfileException>(() => DeviceProfiles.Load("no-such-board", Shipped)).Message.ShouldContain("known: jetson-nano");
        Should.Throw<ProfileException>(() => DeviceProfiles.Load(Write("other-name.json", Shipped1().ToJsonString()))).Message.ShouldContain("raspberry-pi-4.json");
    }

    [Fact]
    public void Negative_or_zero_figures_are_refused()
    {
        var node = Shipped1();
        node["sustained_gflops"]!["value"] = 0;
        Errors(node).ShouldContain(e => e.Contains("/sustained_gflops/value"));
    }

    private static JsonNode Shipped1() => JsonNode.Parse(File.ReadAllText(Path.Combine(Shipped, "raspberry-pi-4.json")))!;

    private static IReadOnlyList<string> Errors(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return DeviceProfiles.SchemaErrors(document.RootElement);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
