using Google.Protobuf;
using Onnx;
using static SetGan.Core.Onnx.OnnxNodes;

namespace SetGan.Core.Onnx;

/// <summary>
/// Writes G_n as an ONNX graph with dynamic height and width:
/// out = tanh(body(pad5(z * noise_amp + prev))) + prev, where prev is the coarser output upsampled
/// to z's size bicubically (<see cref="BicubicUpsample"/>: a = -0.75, half-pixel, the same as the trainer's).
/// Scale 0 has no coarser input: prev is zero and the graph takes only z.
/// </summary>
public static class GeneratorOnnx
{
    public const int Opset = 17;
    public const string NoiseInput = "z";
    public const string CoarseInput = "coarse";
    public const string Output = "image";

    /// <summary>Intermediate tensors <see cref="GeneratorSplit"/> cuts the graph at: the padded noisy input, the upsampled
    /// coarser output, and tanh of the tail conv above scale 0.</summary>
    public const string Padded = "padded", Previous = "prev", Residual = "residual";

    /// <summary>The graph's inputs, in order: z, and above scale 0 the coarser output.</summary>
    public static string[] Inputs(int scale) => scale > 0 ? [NoiseInput, CoarseInput] : [NoiseInput];

    public static ModelProto Build(GeneratorWeights g)
    {
        var graph = new GraphProto { Name = $"G{g.Scale}" };
        graph.Input.Add(ImageInput(NoiseInput, "H", "W"));
        graph.Output.Add(ImageInput(Output, "H", "W"));

        string prev;
        if (g.Scale > 0)
        {
            graph.Input.Add(ImageInput(CoarseInput, "h", "w"));
            graph.Node.Add(Node("Shape", [NoiseInput], ["target_size"]));
            BicubicUpsample.Add(graph, CoarseInput, "target_size", Previous);
            prev = Previous;
        }
        else prev = "";

        graph.Initializer.Add(Scalar("noise_amp", (float)g.NoiseAmp));
        graph.Node.Add(Node("Mul", [NoiseInput, "noise_amp"], ["scaled_noise"]));
        string x = "scaled_noise";
        if (prev != "")
        {
            graph.Node.Add(Node("Add", ["scaled_noise", prev], ["noisy"]));
            x = "noisy";
        }
        int p = GeneratorWeights.Padding;
        graph.Initializer.Add(Int64s("pads", [0, 0, p, p, 0, 0, p, p]));
        graph.Node.Add(Node("Pad", [x, "pads"], [Padded]));
        x = Padded;

        for (int i = 0; i < g.Blocks.Count; i++)
        {
            x = AddConv(graph, g.Blocks[i], $"block{i}", x);
            graph.Node.Add(Node("LeakyRelu", [x], [$"block{i}_act"], Attr("alpha", GeneratorWeights.LeakyReluAlpha)));
            x = $"block{i}_act";
        }
        x = AddTail(graph, g.Tail, x);
        if (prev == "")
            graph.Node.Add(Node("Tanh", [x], [Output]));
        else
        {
            graph.Node.Add(Node("Tanh", [x], [Residual]));
            graph.Node.Add(Node("Add", [Residual, prev], [Output]));
        }

        var model = new ModelProto { IrVersion = 8, ProducerName = "setgan", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();

    private static string AddConv(GraphProto graph, FoldedConv conv, string name, string input)
    {
        graph.Initializer.Add(Floats($"{name}_w", conv.Weight, conv.OutChannels, conv.InChannels, FoldedConv.Kernel, FoldedConv.Kernel));
        graph.Initializer.Add(Floats($"{name}_b", conv.Bias, conv.OutChannels));
        graph.Node.Add(Node("Conv", [input, $"{name}_w", $"{name}_b"], [name],
            Attr("kernel_shape", [FoldedConv.Kernel, FoldedConv.Kernel])));
        return name;
    }

    /// <summary>
    /// The tail conv (nfc -> 3 channels, 3x3) as a 1x1 conv to 27 channels, one per (output channel, tap), and the
    /// sum of the nine taps' shifted planes: the same sums in another order.
    /// </summary>
    /// <remarks>
    /// ONNX Runtime runs a 3x3 conv with 3 output channels in blocks of 16 output channels: at G_5 sampled at
    /// 192x256 it took 5 ms of the float generator's 57 ms, and 12 ms of 57 in the int8 one, for 1.5 % of the
    /// FLOPs. As 27 channels of a 1x1 conv plus nine slices and adds it takes about 3 ms (ORT profiler).
    /// </remarks>
    private static string AddTail(GraphProto graph, FoldedConv tail, string input)
    {
        const int Taps = FoldedConv.Kernel * FoldedConv.Kernel;
        int outC = tail.OutChannels, inC = tail.InChannels;
        var weights = new float[Taps * outC * inC];
        for (int c = 0; c < outC; c++)
            for (int t = 0; t < Taps; t++)
                for (int i = 0; i < inC; i++)
                    weights[(t * outC + c) * inC + i] = tail.Weight[(c * inC + i) * Taps + t];
        graph.Initializer.Add(Floats("tail_taps_w", weights, Taps * outC, inC, 1, 1));
        graph.Node.Add(Node("Conv", [input, "tail_taps_w"], ["tail_taps"], Attr("kernel_shape", [1L, 1L])));
        graph.Initializer.Add(Floats("tail_b", tail.Bias, 1, outC, 1, 1));
        graph.Initializer.Add(Int64s("tail_axes", [1, 2, 3]));
        // Tap (dy, dx) of output pixel (y, x) reads input (y + dy, x + dx): rows dy .. dy + H - 2 of the taps' plane.
        static long End(int offset) => offset < FoldedConv.Kernel - 1 ? offset - (FoldedConv.Kernel - 1) : long.MaxValue;
        string sum = "tail_b";
        for (int t = 0; t < Taps; t++)
        {
            int dy = t / FoldedConv.Kernel, dx = t % FoldedConv.Kernel;
            graph.Initializer.Add(Int64s($"tail_start{t}", [t * outC, dy, dx]));
            graph.Initializer.Add(Int64s($"tail_end{t}", [(t + 1) * outC, End(dy), End(dx)]));
            graph.Node.Add(Node("Slice", ["tail_taps", $"tail_start{t}", $"tail_end{t}", "tail_axes"], [$"tail_tap{t}"]));
            string next = t == Taps - 1 ? "tail" : $"tail_sum{t}";
            graph.Node.Add(Node("Add", [sum, $"tail_tap{t}"], [next]));
            sum = next;
        }
        return sum;
    }

    /// <summary>A 1x3xHxW float tensor with named dynamic height and width.</summary>
    public static ValueInfoProto ImageInput(string name, string height, string width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 1 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 3 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = height });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
