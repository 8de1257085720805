using SetGan.Trainer.Checkpoints;
using SetGan.Trainer.SinGan;
using SetGan.Trainer.Training;
using static TorchSharp.torch;
using Generator = SetGan.Trainer.SinGan.Generator;

namespace SetGan.Trainer.Tests.Training;

public sealed class ComputePrecisionTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("setgan-compute-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string CpuInfo(string flags)
    {
        string path = Path.Combine(root, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, $"processor\t: 0\nmodel name\t: test cpu\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n");
        return path;
    }

    [Theory]
    [InlineData("fpu sse avx2 avx512f avx512_bf16 avx512_vnni", "cpu", ComputePrecision.BFloat16)]
    [InlineData("fpu avx512f amx_bf16 amx_tile", "cpu", ComputePrecision.BFloat16)]
    [InlineData("fpu sse avx2 avx512f avx512_vnni", "cpu", ComputePrecision.Float32)] // AVX-512 without bf16: libtorch would emulate it
    [InlineData("fp asimd bf16", "cpu", ComputePrecision.Float32)] // an ARM flag of that name is not what the x86 kernels use
    [InlineData("fpu avx512f amx_bf16", "cuda", ComputePrecision.Float32)] // on a GPU server, auto keeps float32 (not measured here)
    public void Auto_picks_bf16_only_where_the_CPU_has_bf16_matrix_instructions(string flags, string device, ComputePrecision expected) =>
        ComputePrecisions.Parse("auto", device, CpuInfo(flags)).ShouldBe(expected);

    [Fact]
    public void Auto_falls_back_to_float32_when_the_CPU_flags_cannot_be_read() =>
        ComputePrecisions.Parse("auto", "cpu", Path.Combine(root, "missing")).ShouldBe(ComputePrecision.Float32);

    [Fact]
    public void Explicit_choices_are_kept_and_unknown_ones_are_refused_with_the_valid_names()
    {
        ComputePrecisions.Parse("float32", "cpu", CpuInfo("amx_bf16")).ShouldBe(ComputePrecision.Float32);
        ComputePrecisions.Parse("bf16", "cpu", CpuInfo("sse")).ShouldBe(ComputePrecision.BFloat16);
        Should.Throw<ArgumentException>(() => ComputePrecisions.Parse("fp16", "cpu")).Message.ShouldContain("auto, float32 or bf16");
    }

    [Fact]
    public void A_float32_run_keeps_its_old_fingerprint_so_interrupted_runs_still_resume_and_bf16_is_a_different_run()
    {
        var float32 = TrainingSettings.Quick;
        float32.Fingerprint().ShouldNotContain("compute");
        var bf16 = float32 with { Compute = ComputePrecision.BFloat16 };
        bf16.Fingerprint().ShouldEndWith(";compute bf16");
    }

    [Fact]
    public void Bf16_networks_keep_float32_weights_inputs_and_outputs()
    {
        using var random = ScaleRun.Random(4, TrainingSettings.Quick);
        var settings = TrainingSettings.Quick with { Compute = ComputePrecision.BFloat16 };
        var (G, D) = ScaleRun.Networks(4, settings, CPU, random);
        using (G)
        using (D)
        {
            G.Net.Compute.ShouldBe(ScalarType.BFloat16);
            D.Net.Compute.ShouldBe(ScalarType.BFloat16);
            G.parameters().ShouldAllBe(p => p.dtype == ScalarType.Float32);
            using var x = randn(1, 3, 30, 30);
            using var y = G.forward(x, x);
            y.dtype.ShouldBe(ScalarType.Float32);
            y.is_contiguous().ShouldBeTrue("the channels-last layout stays inside the network");
            using var critic = D.forward(y);
            critic.dtype.ShouldBe(ScalarType.Float32);
            // The same weights in float32 give nearly the same image: bf16 keeps 8 significant bits.
            G.Net.Compute = null;
            using var exact = G.forward(x, x);
            (y - exact).abs().max().item<float>().ShouldBeLessThan(0.05f);
            (y - exact).abs().max().item<float>().ShouldBeGreaterThan(0f, "the bf16 path must really run in bf16");
        }
    }

    [Fact]
    public void The_bf16_block_normalises_and_tracks_running_statistics_like_the_float32_block()
    {
        manual_seed(3);
        using var bf16 = new ConvBlock(8, 16);
        using var float32 = new ConvBlock(8, 16);
        float32.load_state_dict(bf16.state_dict());
        using var x = randn(1, 8, 20, 24) + 0.5;

        using var xb = x.to(ScalarType.BFloat16);
        using var mixed = bf16.Forward(xb, ScalarType.BFloat16);
        using var exact = float32.forward(x);

        mixed.stride(1).ShouldBe(1, "the bf16 block computes channels-last");
        mixed.shape.ShouldBe(exact.shape);
        using var mixedFloat = mixed.to(ScalarType.Float32);
        (mixedFloat - exact).abs().max().item<float>().ShouldBeLessThan(0.05f);
        (bf16.Norm.running_mean! - float32.Norm.running_mean!).abs().max().item<float>().ShouldBeLessThan(2e-3f);
        (bf16.Norm.running_var! - float32.Norm.running_var!).abs().max().item<float>().ShouldBeLessThan(2e-3f);
        bf16.Norm.running_mean!.abs().max().item<float>().ShouldBeGreaterThan(1e-3f, "the statistics were really updated");
        bf16.Norm.num_batches_tracked!.item<long>().ShouldBe(float32.Norm.num_batches_tracked!.item<long>());

        bf16.eval();
        float32.eval();
        using var mixedEval = bf16.Forward(xb, ScalarType.BFloat16);
        using var exactEval = float32.forward(x);
        using var mixedEvalFloat = mixedEval.to(ScalarType.Float32);
        (mixedEvalFloat - exactEval).abs().max().item<float>().ShouldBeLessThan(0.05f);
        bf16.Norm.num_batches_tracked!.item<long>().ShouldBe(1L, "evaluation does not count a batch");
    }

    [Fact]
    public void The_model_record_says_what_the_layers_computed_in_and_old_records_read_without_it()
    {
        var trainer = new PyramidTrainer(TrainingSettings.Quick with { MaxSize = 48, Compute = ComputePrecision.BFloat16 }, Serilog.Core.Logger.None);
        var record = trainer.Describe("tiny.png", TestImages.TinyBalloonsPng(), trainer.Geometry(TestImages.TinyBalloons()));
        var dir = ModelDirectory.BeginTraining(Path.Combine(root, "model"), record, force: false);
        string file = Path.Combine(dir.Path, "model.json");
        File.ReadAllText(file).ShouldContain("\"compute\": \"bf16\"");
        dir.ReadModel().Compute.ShouldBe("bf16");

        File.WriteAllLines(file, File.ReadAllLines(file).Where(line => !line.Contains("\"compute\"")));
        dir.ReadModel().Compute.ShouldBeNull(); // a model from before the field: trained in float32
    }
}
