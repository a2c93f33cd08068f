using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CoopAgent.Alignment.Models;

/// <summary>How a model that only generates computes (<see cref="Gpt.UseInferencePrecision"/>). Training always runs
/// in 32-bit floats.</summary>
public enum InferencePrecision
{
    /// <summary>Everything in 32-bit floats.</summary>
    Fp32,

    /// <summary>The linear layers (attention projections, the MLP, the language-model head) multiply in bfloat16 with
    /// 32-bit sums; the residual stream, layer norms, attention over the keys and values (kept 32-bit), softmax and
    /// sampling stay 32-bit. On a CPU with AVX512-BF16 the multiplications run several times faster
    /// (see <c>coopagent bench --only generation</c>); the next-token probabilities move by well under a per cent
    /// (<c>InferencePrecisionTests</c>).</summary>
    Bf16,
}

/// <summary>Parses <c>--precision</c> and decides what <c>auto</c> means on this machine.</summary>
public static class InferencePrecisions
{
    private static readonly Lazy<bool> FastBFloat16 = new(() => CpuFlags().Overlaps(["avx512_bf16", "amx_bf16"]));

    /// <summary>True when the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX-BF16 in <c>/proc/cpuinfo</c>). Without
    /// it, LibTorch emulates bfloat16 and is slower than 32-bit floats.</summary>
    public static bool CpuHasFastBFloat16 => FastBFloat16.Value;

    /// <summary>The precision <paramref name="name"/> asks for: <c>fp32</c>, <c>bf16</c>, or <c>auto</c> (null): bf16 on a CPU
    /// that multiplies it natively, fp32 anywhere else (a GPU's choice is left at fp32: not measured here).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static InferencePrecision Resolve(string? name, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return (name ?? "auto").Trim().ToLowerInvariant() switch
        {
            "fp32" or "float32" => InferencePrecision.Fp32,
            "bf16" or "bfloat16" => InferencePrecision.Bf16,
            "auto" => device.type == DeviceType.CPU && CpuHasFastBFloat16 ? InferencePrecision.Bf16 : InferencePrecision.Fp32,
            _ => throw new ArgumentException($"unknown precision '{name}': use fp32, bf16 or auto.", nameof(name)),
        };
    }

    /// <summary>The short name used on the command line and in logs.</summary>
    public static string Name(this InferencePrecision precision) => precision == InferencePrecision.Bf16 ? "bf16" : "fp32";

    /// <summary>The tensor type of <paramref name="precision"/>'s multiplications.</summary>
    internal static ScalarType TensorType(this InferencePrecision precision) =>
        precision == InferencePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;

    private static HashSet<string> CpuFlags()
    {
        try
        {
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            return flags is null ? [] : [.. flags[(flags.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
        }
        catch (IOException)
        {
            return []; // not Linux, or no /proc: assume no fast bfloat16
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>A copy of a linear layer's weights in a lower precision, for inference only: taken when the precision is
/// set, so weights changed afterwards are not seen (serving policies are never trained).</summary>
internal sealed class ReducedLinear : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;

    /// <param name="weight">(Out, In) weights.</param>
    /// <param name="bias">(Out) bias, or null.</param>
    /// <param name="type">The lower precision.</param>
    public ReducedLinear(Tensor weight, Tensor? bias, ScalarType type)
    {
        using var noGrad = no_grad();
        _weight = weight.detach().to(type).DetachFromDisposeScope();
        _bias = bias?.detach().to(type).DetachFromDisposeScope();
    }

    public static ReducedLinear Of(Linear linear, ScalarType type) => new(linear.weight!, linear.bias, type);

    /// <summary>x Wᵀ + b with the reduced weights: the input rounded to them, the result back in the input's type.</summary>
    public Tensor Apply(Tensor x) => F.linear(x.to(_weight.dtype), _weight, _bias).to(x.dtype);

    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}
