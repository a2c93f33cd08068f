using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>Where attention keeps the keys and values of tokens already seen: <see cref="KvCache"/> (one shared
/// length, left padding) or <see cref="SlotKvCache"/> (a length per sequence, a prompt shared by its samples).</summary>
internal interface IKeyValueStore
{
    /// <summary>Stores layer <paramref name="layer"/>'s keys and values for the new tokens, (B, H, T, D) each, and
    /// returns softmax(q kᵀ / √D) v over every key each query may look at, (B, H, T, D).</summary>
    /// <param name="layer">The block's index.</param>
    /// <param name="q">(B, H, T, D) queries of the new tokens.</param>
    /// <param name="k">(B, H, T, D) their keys, to store.</param>
    /// <param name="v">(B, H, T, D) their values, to store.</param>
    /// <param name="allowed">(B, 1, T, S) bool, which cached keys each query may look at, for a store that takes the
    /// caller's mask (<see cref="KvCache"/>); null for one that knows its own (<see cref="SlotKvCache"/>).</param>
    Tensor Attend(int layer, Tensor q, Tensor k, Tensor v, Tensor? allowed);
}
