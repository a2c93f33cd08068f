using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>Tensor arithmetic for the per-step paths without TorchSharp's hidden garbage: in TorchSharp 0.107,
/// <c>a + b</c> makes a <see cref="Scalar"/> (its alpha, 1) that nobody disposes, and <c>Tensor.shape</c>, <c>split</c>,
/// <c>mul(double)</c>, <c>cat</c>, <c>stack</c> and <c>item</c> each leave an object for the finalizer too (so the
/// per-step code uses <c>size(d)</c>, <c>narrow</c> and Scalars made once). Each survives its first collection, so a decoding step left ~50 of them and the 50-client load
/// ~25,000–60,000 a collection, with 17–34 MB promoted out of gen 0 each time (measured with a GC watcher).</summary>
internal static class TensorOps
{
    // Immutable once made; read by every inference thread.
    private static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="a"/> + <paramref name="b"/> (broadcasting), with a Scalar made once.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);
}
