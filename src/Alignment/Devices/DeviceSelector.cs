using TorchSharp;

namespace CoopAgent.Alignment.Devices;

/// <summary>Turns <c>--device cpu|cuda|auto</c> into a TorchSharp device, with a clear error when CUDA is asked for and absent.</summary>
public static class DeviceSelector
{
    public static torch.Device Resolve(string? name)
    {
        var choice = (name ?? "auto").Trim().ToLowerInvariant();
        return choice switch
        {
            "cpu" => torch.CPU,
            "cuda" when torch.cuda.is_available() => torch.CUDA,
            "cuda" => throw new InvalidOperationException(
                "--device cuda was asked for, but no CUDA device is usable here. This build uses " +
                (CudaBuild ? "TorchSharp-cuda-linux, and no GPU or driver was found" : "TorchSharp-cpu; rebuild with -p:TorchBackend=cuda on a machine with a GPU") +
                ", or pass --device cpu."),
            "auto" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            _ => throw new ArgumentException($"unknown device '{name}': use cpu, cuda or auto.", nameof(name)),
        };
    }

    /// <summary>
    /// Sets LibTorch's intra-op threads from <c>COOPAGENT_TORCH_THREADS</c> (default 1). Our models are small, so
    /// per-op overhead dominates and a second thread buys little; on a busy 2-core machine two threads per
    /// process oversubscribe the cores and were measured 10–60× slower (a decode step 17 ms with one thread,
    /// 406 ms with two, under load). Returns the number set.
    /// </summary>
    public static int ConfigureThreads()
    {
        var text = Environment.GetEnvironmentVariable("COOPAGENT_TORCH_THREADS");
        var threads = int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
        torch.set_num_threads(threads);
        return threads;
    }

    /// <summary>True when this assembly was built against TorchSharp-cuda-linux (<c>-p:TorchBackend=cuda</c>).</summary>
    public static bool CudaBuild =>
#if TORCH_CUDA
        true;
#else
        false;
#endif
}
