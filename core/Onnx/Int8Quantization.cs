using Google.Protobuf;
using Onnx;
using static SetGan.Core.Onnx.OnnxNodes;

namespace SetGan.Core.Onnx;

/// <summary>The range one tensor took over the calibration runs.</summary>
public readonly record struct ActivationRange(float Min, float Max)
{
    public ActivationRange Including(ReadOnlySpan<float> values)
    {
        float min = Min, max = Max;
        foreach (float v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new ActivationRange(min, max);
    }

    public static ActivationRange Empty => new(float.PositiveInfinity, float.NegativeInfinity);
}

/// <summary>
/// Rewrites G_n's body convs (nfc -> nfc channels, 97% of its FLOPs) in ONNX's QDQ form: int8 weights per output
/// channel, uint8 activations with a scale and zero point from calibration (<see cref="Int8Calibration"/>).
/// ONNX Runtime fuses each Q -> DQ -> Conv -> Q into one QLinearConv and DQ -> LeakyRelu -> Q into
/// QLinearLeakyRelu, run by its integer kernels (VNNI/AMX on x86, dot-product instructions on ARM).
/// </summary>
/// <remarks>
/// The head conv (3 input channels), the tail conv (3 output channels), tanh and the residual add stay float:
/// they are a few per cent of the work and what sets the image's own precision. Weights are symmetric
/// (zero point 0), as ORT's integer kernels expect; activations after LeakyReLU are mostly positive, so they
/// are asymmetric.
/// </remarks>
public static class Int8Quantization
{
    /// <summary>The convs quantized: every block but the head (block0); "tail" is not a block.</summary>
    /// <remarks>
    /// Measured on the quick pyramid (16 samples, docs/benchmarks.md): body only, SSIM -1.0 % and SWD +0.5 %;
    /// with the head too (its input is noise plus image, a wide range for 256 levels) SSIM -1.4 % and SWD +1.4 % for
    /// about 11 % less time; with the tail too, SSIM -1.8 % and SWD +2.0 %.
    /// </remarks>
    public static bool IsQuantized(NodeProto node) => node.OpType == "Conv" && node.Output[0].StartsWith("block") && node.Output[0] != "block0";

    /// <summary>Tensors whose ranges the quantization needs: each quantized conv's input and output.</summary>
    public static IEnumerable<string> Taps(ModelProto model) =>
        model.Graph.Node.Where(IsQuantized).SelectMany(n => new[] { n.Input[0], n.Output[0] }).Distinct();

    public static ModelProto Quantize(ModelProto model, IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        var quantized = model.Clone();
        var graph = quantized.Graph;
        var nodes = graph.Node.ToList();
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        graph.Node.Clear();
        var renamed = new Dictionary<string, string>(); // a quantized conv's output -> its dequantized form
        foreach (var node in nodes)
        {
            string calibratedInput = node.Input.Count > 0 ? node.Input[0] : ""; // ranges are named as calibration saw them
            for (int i = 0; i < node.Input.Count; i++)
                if (renamed.TryGetValue(node.Input[i], out string? to)) node.Input[i] = to;
            if (!IsQuantized(node))
            {
                graph.Node.Add(node);
                continue;
            }
            string input = node.Input[0], weight = node.Input[1], output = node.Output[0];
            AddWeights(graph, initializers[weight]);
            string dequantizedInput = AddQdq(graph, input, output + "_x", Range(ranges, calibratedInput));
            var conv = node.Clone();
            conv.Input[0] = dequantizedInput;
            conv.Output[0] = output + "_float";
            graph.Node.Add(conv);
            renamed[output] = AddQdq(graph, conv.Output[0], output + "_y", Range(ranges, output));
        }
        return quantized;
    }

    private static ActivationRange Range(IReadOnlyDictionary<string, ActivationRange> ranges, string tensor) =>
        ranges.TryGetValue(tensor, out var r) && r.Min <= r.Max
            ? r
            : throw new ArgumentException($"no calibrated range for '{tensor}': calibrate on the same graph that is quantized");

    /// <summary>Replaces a float weight initializer by int8 values, a scale per output channel and DequantizeLinear.</summary>
    private static void AddWeights(GraphProto graph, TensorProto weight)
    {
        int outChannels = (int)weight.Dims[0];
        var values = new float[weight.RawData.Length / sizeof(float)];
        Buffer.BlockCopy(weight.RawData.ToByteArray(), 0, values, 0, weight.RawData.Length);
        int perChannel = values.Length / outChannels;
        var q = new byte[values.Length];
        var scales = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            var channel = values.AsSpan(o * perChannel, perChannel);
            float max = 0;
            foreach (float v in channel) max = Math.Max(max, Math.Abs(v));
            scales[o] = max > 0 ? max / 127f : 1f;
            for (int i = 0; i < perChannel; i++)
                q[o * perChannel + i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(channel[i] / scales[o]), -127, 127));
        }
        graph.Initializer.Remove(weight);
        var int8 = new TensorProto { Name = weight.Name + "_int8", DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(q) };
        int8.Dims.AddRange(weight.Dims);
        var zeroPoints = new TensorProto { Name = weight.Name + "_zero_point", DataType = (int)TensorProto.Types.DataType.Int8, RawData = ByteString.CopyFrom(new byte[outChannels]) };
        zeroPoints.Dims.Add(outChannels);
        graph.Initializer.Add(int8);
        graph.Initializer.Add(Floats(weight.Name + "_scale", scales, outChannels));
        graph.Initializer.Add(zeroPoints);
        graph.Node.Add(Node("DequantizeLinear", [int8.Name, weight.Name + "_scale", zeroPoints.Name], [weight.Name], Attr("axis", 0L)));
    }

    /// <summary>QuantizeLinear then DequantizeLinear over a uint8 grid that spans the range (and 0, so zero padding is exact).</summary>
    private static string AddQdq(GraphProto graph, string tensor, string name, ActivationRange range)
    {
        float min = Math.Min(0, range.Min), max = Math.Max(0, range.Max);
        float scale = Math.Max(max - min, 1e-6f) / 255f;
        byte zeroPoint = (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255);
        graph.Initializer.Add(Scalar(name + "_scale", scale));
        graph.Initializer.Add(new TensorProto { Name = name + "_zero_point", DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom([zeroPoint]) });
        graph.Node.Add(Node("QuantizeLinear", [tensor, name + "_scale", name + "_zero_point"], [name + "_uint8"]));
        graph.Node.Add(Node("DequantizeLinear", [name + "_uint8", name + "_scale", name + "_zero_point"], [name + "_dequantized"]));
        return name + "_dequantized";
    }
}
