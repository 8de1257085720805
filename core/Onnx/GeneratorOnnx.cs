using Google.Protobuf;
using Onnx;

namespace SetGan.Core.Onnx;

/// <summary>
/// Writes G_n as an ONNX graph with dynamic height and width:
/// out = tanh(body(pad5(z * noise_amp + prev))) + prev, where prev is the coarser output upsampled
/// to z's size with Resize 'cubic' (a = -0.75, half-pixel: the same as the trainer's bicubic).
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
            graph.Node.Add(Node("Resize", [CoarseInput, "", "", "target_size"], [Previous],
                Attr("mode", "cubic"), Attr("coordinate_transformation_mode", "half_pixel"), Attr("cubic_coeff_a", -0.75f)));
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
        x = AddConv(graph, g.Tail, "tail", x);
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

    /// <summary>A 1x3xHxW float tensor with named dynamic height and width.</summary>
    internal static ValueInfoProto ImageInput(string name, string height, string width)
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

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Attr(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Attr(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    private static TensorProto Scalar(string name, float value) => Floats(name, [value]);

    private static TensorProto Int64s(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }
}
