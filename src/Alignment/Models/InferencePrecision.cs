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
    /// 32-bit sums, each layer's output rounded to bfloat16; the residual stream, layer norms, attention over the keys
    /// and values (kept 32-bit), softmax and sampling stay 32-bit. On a CPU with AVX512-BF16 the products run about three
    /// times faster (see <c>coopagent bench --only generation</c>); on the shipped policy next-token probabilities move
    /// by at most a few hundredths (<c>ShippedPolicyPrecisionTests</c>).</summary>
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
            _ => throw new ArgumentException($"unknown precision '{name}': use fp32, bf16 or auto."),
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
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _weight = weight.detach().to(type).DetachFromDisposeScope();
        _bias = bias?.detach().to(type).DetachFromDisposeScope();
    }

    public static ReducedLinear Of(Linear linear, ScalarType type) => new(linear.weight!, linear.bias, type);

    /// <summary>x Wᵀ + b with the reduced weights: the input rounded to them, the result back in the input's type. The
    /// rows are padded up to <see cref="Rows"/> so that only a few shapes ever reach oneDNN, which builds a kernel for each
    /// new shape (~1.3 ms in bf16 here, 0.14 ms to run it once built).</summary>
    public Tensor Apply(Tensor x)
    {
        var width = x.size(-1);
        var rows = x.numel() / width;
        var padded = Rows(rows);
        if (padded == rows)
        {
            return F.linear(x.to(_weight.dtype), _weight, _bias).to(x.dtype);
        }

        var flat = F.pad(x.reshape(rows, width), [0, 0, 0, padded - rows]);
        long[] shape = [.. x.shape[..^1], _weight.shape[0]];
        return F.linear(flat.to(_weight.dtype), _weight, _bias).narrow(0, 0, rows).to(x.dtype).reshape(shape);
    }

    /// <summary>The rows a product of <paramref name="rows"/> rows is computed with: as many up to 64 (a decoding step),
    /// else the next multiple of 64 (a prefill).</summary>
    public static long Rows(long rows) => rows <= 64 ? rows : (rows + 63) / 64 * 64;

    /// <summary>Builds oneDNN's kernels for every shape up to <paramref name="mostRows"/> rows ahead of the first call that
    /// needs them. The kernels are kept for the whole process, so a shape warmed once (another lane, an earlier policy of
    /// the same size) is not run again.</summary>
    public void WarmUp(long mostRows)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (var rows = 1L; rows <= Rows(mostRows); rows = rows < 64 ? rows + 1 : rows + 64)
        {
            if (Warmed.TryAdd((_weight.shape[1], _weight.shape[0], _bias is not null, _weight.dtype, _weight.device_type, rows), 0))
            {
                Apply(zeros(rows, _weight.shape[1], device: _weight.device));
            }
        }
    }

    /// <summary>Shapes whose kernels this process has built (inputs, outputs, bias, type, device, rows).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(long, long, bool, ScalarType, DeviceType, long), byte> Warmed = new();

    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}
