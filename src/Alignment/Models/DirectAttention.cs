using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>
/// A decoding step's attention over a <see cref="SlotKvCache"/> computed straight on the CPU memory of the tensors,
/// without LibTorch operations: for each new token and head, the scores against the keys it may read (its base's
/// shared beginning, then its slot's own positions), their softmax, and the weighted sum of the values.
/// </summary>
/// <remarks>
/// Why: the tensor way lays each level's queries out in a grid, multiplies with batched matrix products, concatenates,
/// masks, takes the softmax and multiplies again — ~20 LibTorch operations a layer, on matrices of one to a few rows,
/// where dispatch, allocation and the BLAS packing of tiny operands cost more than the arithmetic. Under the 50-client
/// chat load it took ~60 % of a decoding step's forward pass (2.5 of 4.1 ms, measured 24 Nov). Here each (token, head)
/// reads exactly the positions it may attend to, once. Floats are summed in another order than the tensor way's,
/// so results differ in the last bits (the tests hold both to the full forward pass at 1e-5).
/// </remarks>
internal static unsafe class DirectAttention
{
    /// <summary>What one (token, head) reads: its base entry's keys and values for that head from the first position,
    /// and how many positions; then the same for its slot's own entry.</summary>
    public readonly struct Reading(float* baseKeys, float* baseValues, int baseLength, float* ownKeys, float* ownValues, int ownLength)
    {
        public float* BaseKeys { get; } = baseKeys;

        public float* BaseValues { get; } = baseValues;

        public int BaseLength { get; } = baseLength;

        public float* OwnKeys { get; } = ownKeys;

        public float* OwnValues { get; } = ownValues;

        public int OwnLength { get; } = ownLength;
    }

    /// <summary>The address of a CPU tensor's first element (its storage offset included), through LibTorchSharp's own
    /// accessor. <c>Tensor.bytes</c> refuses the strided views the attention reads (q, k and v are transposed views of
    /// one projection), and a pointer is what the vector loads take.</summary>
    public static float* Data(Tensor tensor)
    {
        if (tensor.device_type != DeviceType.CPU || tensor.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"direct attention reads 32-bit floats on the CPU, not {tensor.dtype} on {tensor.device_type}.", nameof(tensor));
        }

        return (float*)THSTensor_data(tensor.Handle);
    }

    /// <summary>Copies <paramref name="count"/> floats.</summary>
    public static void Copy(float* from, float* to, int count) => new ReadOnlySpan<float>(from, count).CopyTo(new Span<float>(to, count));

    /// <summary>softmax(q · kᵀ · scale) · v over the base's positions then the own ones, written to
    /// <paramref name="output"/> (D floats). <paramref name="scores"/> needs room for both lengths.</summary>
    public static void Attend(float* query, float scale, in Reading read, int width, float* output, Span<float> scores)
    {
        var count = read.BaseLength + read.OwnLength;
        Span<float> scaled = stackalloc float[width];
        for (var d = 0; d < width; d++)
        {
            scaled[d] = query[d] * scale;
        }

        fixed (float* q = scaled)
        {
            var max = float.NegativeInfinity;
            max = Scores(q, read.BaseKeys, read.BaseLength, width, scores, max);
            max = Scores(q, read.OwnKeys, read.OwnLength, width, scores[read.BaseLength..], max);
            var sum = Exponentiate(scores[..count], max);
            new Span<float>(output, width).Clear();
            Accumulate(read.BaseValues, scores[..read.BaseLength], width, output);
            Accumulate(read.OwnValues, scores.Slice(read.BaseLength, read.OwnLength), width, output);
            var inverse = 1f / sum;
            for (var d = 0; d < width; d++)
            {
                output[d] *= inverse;
            }
        }
    }

    /// <summary>q · k for the <paramref name="length"/> keys from <paramref name="keys"/> (rows of D); returns the
    /// larger of <paramref name="max"/> and the largest score. Four keys at a time, so that their products overlap.</summary>
    private static float Scores(float* q, float* keys, int length, int width, Span<float> scores, float max)
    {
        const int Lanes = 8; // Vector256<float>.Count
        var vectors = Vector256.IsHardwareAccelerated ? width / Lanes * Lanes : 0;
        var j = 0;
        for (; j <= length - 4; j += 4)
        {
            var k0 = keys + ((long)j * width);
            var k1 = k0 + width;
            var k2 = k1 + width;
            var k3 = k2 + width;
            var (a0, a1, a2, a3) = (Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero);
            for (var d = 0; d < vectors; d += Lanes)
            {
                var x = Vector256.Load(q + d);
                a0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(k0 + d), a0);
                a1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(k1 + d), a1);
                a2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(k2 + d), a2);
                a3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(k3 + d), a3);
            }

            var (s0, s1, s2, s3) = (Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3));
            for (var d = vectors; d < width; d++)
            {
                s0 += q[d] * k0[d];
                s1 += q[d] * k1[d];
                s2 += q[d] * k2[d];
                s3 += q[d] * k3[d];
            }

            (scores[j], scores[j + 1], scores[j + 2], scores[j + 3]) = (s0, s1, s2, s3);
            max = MathF.Max(max, MathF.Max(MathF.Max(s0, s1), MathF.Max(s2, s3)));
        }

        for (; j < length; j++)
        {
            var key = keys + ((long)j * width);
            var acc = Vector256<float>.Zero;
            for (var d = 0; d < vectors; d += Lanes)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.Load(q + d), Vector256.Load(key + d), acc);
            }

            var score = Vector256.Sum(acc);
            for (var d = vectors; d < width; d++)
            {
                score += q[d] * key[d];
            }

            scores[j] = score;
            max = MathF.Max(max, score);
        }

        return max;
    }

    /// <summary>Replaces each score by exp(score − max) and returns their sum.</summary>
    private static float Exponentiate(Span<float> scores, float max)
    {
        var sum = 0f;
        var j = 0;
        fixed (float* s = scores)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                var shift = Vector256.Create(max);
                var total = Vector256<float>.Zero;
                for (; j <= scores.Length - Vector256<float>.Count; j += Vector256<float>.Count)
                {
                    var e = Vector256.Exp(Vector256.Load(s + j) - shift);
                    e.Store(s + j);
                    total += e;
                }

                sum = Vector256.Sum(total);
            }

            for (; j < scores.Length; j++)
            {
                s[j] = MathF.Exp(s[j] - max);
                sum += s[j];
            }
        }

        return sum;
    }

    /// <summary>output += Σ_j weights[j] · values[j] (rows of D): eight columns at a time, down the rows with four
    /// running sums so that the additions overlap.</summary>
    private static void Accumulate(float* values, ReadOnlySpan<float> weights, int width, float* output)
    {
        const int Lanes = 8; // Vector256<float>.Count
        var vectors = Vector256.IsHardwareAccelerated ? width / Lanes * Lanes : 0;
        var length = weights.Length;
        for (var d = 0; d < vectors; d += Lanes)
        {
            var (a0, a1, a2, a3) = (Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero);
            var column = values + d;
            var j = 0;
            for (; j <= length - 4; j += 4)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(weights[j]), Vector256.Load(column + ((long)j * width)), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Create(weights[j + 1]), Vector256.Load(column + ((long)(j + 1) * width)), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Create(weights[j + 2]), Vector256.Load(column + ((long)(j + 2) * width)), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Create(weights[j + 3]), Vector256.Load(column + ((long)(j + 3) * width)), a3);
            }

            for (; j < length; j++)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(weights[j]), Vector256.Load(column + ((long)j * width)), a0);
            }

            (Vector256.Load(output + d) + ((a0 + a1) + (a2 + a3))).Store(output + d);
        }

        for (var d = vectors; d < width; d++)
        {
            var sum = 0f;
            for (var j = 0; j < length; j++)
            {
                sum += weights[j] * values[((long)j * width) + d];
            }

            output[d] += sum;
        }
    }

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_data(IntPtr handle);
}
