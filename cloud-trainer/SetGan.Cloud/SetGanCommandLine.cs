using System.CommandLine;
using SetGan.Cloud.Commands;

namespace SetGan.Cloud;

/// <summary>The `setgan` command line: one subcommand per job.</summary>
public static class SetGanCommandLine
{
    public static RootCommand Build() => new(
        "SetGan: scale and energy trade-off GANs (SETGAN) for power-limited edge devices.\n" +
        "Trains a SinGAN pyramid for one image and writes samples from any truncation of it.")
    {
        TrainCommand.Create(),
        SampleCommand.Create(),
        DemoCommand.Create(),
    };
}
