using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using SetGan.Core.Onnx;
using SetGan.Core.Pyramid;
using SetGan.Trainer.SinGan;
using static TorchSharp.torch;

namespace SetGan.Trainer.Tests.Export;

/// <summary>
/// The exported graphs' bicubic upsampling (two MatMuls with weights built in the graph) computes what the
/// trainer's PyTorch bicubic computes, for SinGAN's up-steps, a sample far larger than training, a
/// down-step and the identity. One graph serves every size: its matrices come from the runtime shapes.
/// </summary>
public sealed class BicubicUpsampleTests : IDisposable
{
    private readonly InferenceSession session = new(Model().ToByteArray());

    private static ModelProto Model()
    {
        var graph = new GraphProto { Name = "bicubic" };
        graph.Input.Add(GeneratorOnnx.ImageInput("image", "h", "w"));
        graph.Input.Add(GeneratorOnnx.ImageInput("like", "H", "W"));
        graph.Output.Add(GeneratorOnnx.ImageInput("resized", "H", "W"));
        graph.Node.Add(new NodeProto { OpType = "Shape", Name = "shape", Input = { "like" }, Output = { "target" } });
        BicubicUpsample.Add(graph, "image", "target", "resized");
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = GeneratorOnnx.Opset });
        return model;
    }

    public static TheoryData<int, int, int, int> Sizes() => new()
    {
        { 25, 34, 33, 44 },     // SinGAN's step between the two coarsest scales of balloons
        { 145, 193, 186, 248 }, // the finest step at 250 px
        { 57, 75, 300, 411 },   // a sample far larger than training (the super-resolution app's kind)
        { 40, 30, 17, 13 },     // a down-step
        { 19, 23, 19, 23 },     // the identity
        { 1, 5, 4, 9 },         // one row: every tap clamps onto it
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Matches_the_trainers_bicubic(int h, int w, int height, int width)
    {
        using var _ = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator(17);
        var image = rand(new long[] { 1, 3, h, w }, generator: generator) * 2 - 1;
        var expected = PyramidSampler.Upsample(image, new ScaleSize(width, height)).contiguous().data<float>().ToArray();

        using var input = OrtValue.CreateTensorValueFromMemory(image.contiguous().data<float>().ToArray(), [1, 3, h, w]);
        using var like = OrtValue.CreateTensorValueFromMemory(new float[3 * height * width], [1, 3, height, width]);
        using var outputs = session.Run(new RunOptions(), ["image", "like"], [input, like], ["resized"]);
        var actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        actual.Length.ShouldBe(expected.Length);
        float max = actual.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
        max.ShouldBeLessThan(1e-5f, $"{h}x{w} -> {height}x{width}");
    }

    public void Dispose() => session.Dispose();
}
