using System.CommandLine;
using SetGan.Cloud.Commands;

namespace SetGan.Cloud;

/// <summary>The `setgan` command line: one subcommand per job.</summary>
public static class SetGanCommandLine
{
    public static RootCommand Build() => new(
        "SetGan: scale and energy trade-off GANs (SETGAN) for power-limited edge devices.\n" +
        "Trains a SinGAN pyramid for one image, samples any truncation of it, and exports it as a signed\n" +
        "ONNX package that devices run with ONNX Runtime, and hosts the hub devices connect to.")
    {
        TrainCommand.Create(),
        SampleCommand.Create(),
        PackageCommands.Keys(),
        PackageCommands.Export(),
        PackageCommands.Generate(),
        EvaluateCommand.Create(),
        ChooseCommand.Create(),
        ApplyCommand.Create(),
        DemoCommand.Create(),
        HubCommands.Hub(),
        HubCommands.Devices(),
        HubCommands.Fleet(),
    };
}
