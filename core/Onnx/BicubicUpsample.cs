using Onnx;
using static SetGan.Core.Onnx.OnnxNodes;

namespace SetGan.Core.Onnx;

/// <summary>
/// Bicubic resampling of a 1x3xhxw image to the height and width of a target shape, written as two matrix
/// products: out = M_H · in · M_Wᵀ, where M_n is the [n x in] matrix of cubic weights (four per row). The
/// matrices are built inside the graph from the runtime sizes, so the graph keeps dynamic height and width.
/// </summary>
/// <remarks>
/// ONNX Runtime's own Resize 'cubic' computes the same values, but slowly: at G_5 of the quick pyramid
/// sampled at 192x256 it took 25-29 ms of the generator's 70 ms (ORT 1.31, 2 threads, its profiler), where
/// the two MatMuls take about 1 ms (docs/benchmarks.md). The weights follow PyTorch's upsample_bicubic2d,
/// which the trainer uses: half-pixel source coordinate x = (i + 0.5) * in/out - 0.5, cubic convolution
/// with a = -0.75, taps clamped to the border. Clamped taps that land on the same pixel add up, as they do
/// when PyTorch reads that pixel twice.
/// </remarks>
public static class BicubicUpsample
{
    private const float A = -0.75f;
    private const string P = "bicubic_";

    // The cubic convolution kernel at distance s, highest power first (PyTorch's cubic_convolution1 and 2):
    // (a + 2)s^3 - (a + 3)s^2 + 1 for s <= 1, and a s^3 - 5a s^2 + 8a s - 4a for 1 < s < 2 (0 at 2).
    private static readonly (string Name, float[] Coefficients)[] Kernel = [("near", [A + 2, -(A + 3), 0, 1]), ("far", [A, -5 * A, 8 * A, -4 * A])];

    /// <summary>Adds the nodes that write <paramref name="output"/>: <paramref name="input"/> resampled to
    /// dimensions 2 and 3 of <paramref name="targetShape"/> (an int64 shape tensor of rank 4).</summary>
    public static void Add(GraphProto graph, string input, string targetShape, string output)
    {
        graph.Initializer.Add(Scalar(P + "zero", 0f));
        graph.Initializer.Add(Scalar(P + "one", 1f));
        graph.Initializer.Add(Scalar(P + "half", 0.5f));
        graph.Initializer.Add(Floats(P + "taps", [-1f, 0f, 1f, 2f], 4));
        graph.Initializer.Add(Int64(P + "dim2", 2));
        graph.Initializer.Add(Int64(P + "dim3", 3));
        graph.Initializer.Add(Int64s(P + "axis0", [0]));
        graph.Initializer.Add(Int64s(P + "axis1", [1]));
        graph.Initializer.Add(Int64s(P + "axis2", [2]));
        foreach (var (name, coefficients) in Kernel)
            for (int i = 0; i < coefficients.Length; i++) graph.Initializer.Add(Scalar($"{P}{name}_c{i}", coefficients[i]));

        graph.Node.Add(Node("Shape", [input], [P + "in_shape"]));
        string Dim(string shape, string dim, string name)
        {
            graph.Node.Add(Node("Gather", [shape, P + dim], [P + name], Attr("axis", 0L)));
            return P + name;
        }
        string rows = Weights(graph, "rows", Dim(targetShape, "dim2", "H"), Dim(P + "in_shape", "dim2", "h"));
        string cols = Weights(graph, "cols", Dim(targetShape, "dim3", "W"), Dim(P + "in_shape", "dim3", "w"));
        graph.Node.Add(Node("Transpose", [cols], [P + "cols_transposed"], Attr("perm", [1L, 0L])));
        graph.Node.Add(Node("MatMul", [input, P + "cols_transposed"], [P + "widened"]));  // 1x3xhxW
        graph.Node.Add(Node("MatMul", [rows, P + "widened"], [output]));         // 1x3xHxW
    }

    /// <summary>The [outLength x inLength] weight matrix along one axis; returns its tensor's name.</summary>
    private static string Weights(GraphProto graph, string axis, string outLength, string inLength)
    {
        string p = $"{P}{axis}_";
        void Op(string op, string output, params string[] inputs) => graph.Node.Add(Node(op, inputs, [p + output]));
        graph.Node.Add(Node("Cast", [outLength], [p + "out"], Attr("to", (long)TensorProto.Types.DataType.Float)));
        graph.Node.Add(Node("Cast", [inLength], [p + "in"], Attr("to", (long)TensorProto.Types.DataType.Float)));
        Op("Range", "i", P + "zero", p + "out", P + "one");            // output index
        Op("Range", "j", P + "zero", p + "in", P + "one");             // input index
        Op("Div", "scale", p + "in", p + "out");
        Op("Add", "i_half", p + "i", P + "half");
        Op("Mul", "x_half", p + "i_half", p + "scale");
        Op("Sub", "x", p + "x_half", P + "half");                    // source coordinate
        Op("Floor", "x0", p + "x");
        Op("Sub", "t", p + "x", p + "x0");
        Op("Unsqueeze", "t_col", p + "t", P + "axis1");
        Op("Sub", "d", p + "t_col", P + "taps");                     // [out x 4]: t - tap
        Op("Abs", "s", p + "d");
        // Both pieces of the kernel in Horner's form: c0, then (previous * s + ci) for each further coefficient.
        var piece = new Dictionary<string, string>();
        foreach (var (name, coefficients) in Kernel)
        {
            string value = $"{P}{name}_c0";
            for (int i = 1; i < coefficients.Length; i++)
            {
                Op("Mul", $"{name}_times_s{i}", value, p + "s");
                Op("Add", $"{name}{i}", p + $"{name}_times_s{i}", $"{P}{name}_c{i}");
                value = p + $"{name}{i}";
            }
            piece[name] = value;
        }
        Op("LessOrEqual", "is_near", p + "s", P + "one");
        Op("Where", "w", p + "is_near", piece["near"], piece["far"]);  // [out x 4] tap weights
        Op("Unsqueeze", "x0_col", p + "x0", P + "axis1");
        Op("Add", "tap0", p + "x0_col", P + "taps");
        Op("Sub", "last", p + "in", P + "one");
        Op("Clip", "tap", p + "tap0", P + "zero", p + "last");        // [out x 4] input index of each tap
        Op("Unsqueeze", "tap_3d", p + "tap", P + "axis2");
        Op("Unsqueeze", "j_row", p + "j", P + "axis0");
        Op("Equal", "hit", p + "tap_3d", p + "j_row");               // [out x 4 x in]: small integers, exact in float
        Op("Unsqueeze", "w_3d", p + "w", P + "axis2");
        Op("Where", "spread", p + "hit", p + "w_3d", P + "zero");
        graph.Node.Add(Node("ReduceSum", [p + "spread", P + "axis1"], [p + "matrix"], Attr("keepdims", 0L)));
        return p + "matrix";
    }
}
