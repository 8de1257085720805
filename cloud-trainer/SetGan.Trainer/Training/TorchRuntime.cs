using static TorchSharp.torch;

namespace SetGan.Trainer.Training;

/// <summary>Picks the libtorch device and thread count for a run, with clear errors for what is missing.</summary>
public static class TorchRuntime
{
    public static Device Prepare(TrainingSettings settings)
    {
        if (settings.Threads > 0) set_num_threads(settings.Threads);
        else set_num_threads(Environment.ProcessorCount);
        switch (settings.Device.ToLowerInvariant())
        {
            case "cpu":
                return CPU;
            case "cuda":
                if (!cuda.is_available())
                    throw new InvalidOperationException("--device cuda: no CUDA build of libtorch is loaded (this build references libtorch-cpu); reference a libtorch-cuda package on a GPU server");
                return CUDA;
            default:
                throw new ArgumentException($"unknown device '{settings.Device}'; use cpu or cuda");
        }
    }
}
