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

    /// <summary>True when this assembly was built against TorchSharp-cuda-linux (<c>-p:TorchBackend=cuda</c>).</summary>
    public static bool CudaBuild =>
#if TORCH_CUDA
        true;
#else
        false;
#endif
}
