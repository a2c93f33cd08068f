using CoopAgent.Alignment.Devices;
using TorchSharp;

namespace CoopAgent.Alignment.Tests.Devices;

public class DeviceSelectorTests
{
    [Fact]
    public void Cpu_is_always_available_and_computes()
    {
        var device = DeviceSelector.Resolve("cpu");
        using var x = torch.ones(2, 3, device: device);
        Assert.Equal(6f, x.sum().item<float>());
    }

    [Fact]
    public void Auto_falls_back_to_cpu_without_a_gpu()
    {
        var device = DeviceSelector.Resolve("auto");
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
    }

    [Fact]
    public void Cuda_without_a_gpu_is_a_clear_error_not_a_crash()
    {
        if (torch.cuda.is_available())
        {
            return; // Only meaningful on machines without a GPU (like CI here).
        }

        var e = Assert.Throws<InvalidOperationException>(() => DeviceSelector.Resolve("cuda"));
        Assert.Contains("--device cpu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_device_names_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("tpu"));
    }
}
