using Google.Protobuf;
using Onnx;

namespace SetGan.Core.Onnx;

/// <summary>
/// Splits an exported G_n (<see cref="GeneratorOnnx"/>) where its memory goes: the head (upsampling the
/// coarser output, adding noise, Pad 5) has 3 channels; the body (five unpadded 3x3 convs and tanh) holds
/// nfc-channel activations of the whole image, ~24 MB a tensor at SinGAN's finest scale. Run on strips
/// of the padded input with 5 rows of overlap, the body computes exactly the same pixels (no conv in it
/// pads) with activations the size of a strip.
/// </summary>
public static class GeneratorSplit
{
    /// <summary>What the head outputs: the padded noisy input and (above scale 0) the upsampled coarser output.</summary>
    public static string[] HeadOutputs(int scale) => scale > 0 ? [GeneratorOnnx.Padded, GeneratorOnnx.Previous] : [GeneratorOnnx.Padded];

    /// <summary>What the body outputs: tanh of the tail conv (the residual above scale 0, the image at scale 0).</summary>
    public static string BodyOutput(int scale) => scale > 0 ? GeneratorOnnx.Residual : GeneratorOnnx.Output;

    public static (byte[] Head, byte[] Body) Split(byte[] model, int scale)
    {
        var whole = ModelProto.Parser.ParseFrom(model);
        var head = Subgraph(whole, "head", whole.Graph.Input.Select(i => i.Name).ToHashSet(), HeadOutputs(scale));
        var body = Subgraph(whole, "body", new HashSet<string> { GeneratorOnnx.Padded }, [BodyOutput(scale)]);
        return (head.ToByteArray(), body.ToByteArray());
    }

    /// <summary>The nodes that compute <paramref name="outputs"/> from <paramref name="inputs"/>, with the initializers they use.</summary>
    private static ModelProto Subgraph(ModelProto whole, string name, IReadOnlySet<string> inputs, string[] outputs)
    {
        var producers = whole.Graph.Node.SelectMany(n => n.Output.Select(o => (Output: o, Node: n))).ToDictionary(p => p.Output, p => p.Node);
        var initializers = whole.Graph.Initializer.ToDictionary(i => i.Name);
        var needed = new HashSet<NodeProto>();
        var usedInitializers = new HashSet<string>();
        var pending = new Stack<string>(outputs);
        while (pending.TryPop(out string? tensor))
        {
            if (tensor.Length == 0 || inputs.Contains(tensor)) continue;
            if (initializers.ContainsKey(tensor)) { usedInitializers.Add(tensor); continue; }
            if (!producers.TryGetValue(tensor, out var node))
                throw new InvalidOperationException($"G graph has no node making '{tensor}': not a graph this exporter wrote");
            if (needed.Add(node)) foreach (string input in node.Input) pending.Push(input);
        }
        var graph = new GraphProto { Name = $"{whole.Graph.Name}_{name}" };
        graph.Node.AddRange(whole.Graph.Node.Where(needed.Contains)); // in the original (topological) order
        graph.Initializer.AddRange(whole.Graph.Initializer.Where(i => usedInitializers.Contains(i.Name)));
        foreach (string input in inputs) graph.Input.Add(GeneratorOnnx.ImageInput(input, input + "_h", input + "_w"));
        foreach (string output in outputs) graph.Output.Add(GeneratorOnnx.ImageInput(output, output + "_h", output + "_w"));
        var model = new ModelProto { IrVersion = whole.IrVersion, ProducerName = whole.ProducerName, Graph = graph };
        model.OpsetImport.AddRange(whole.OpsetImport);
        return model;
    }
}
