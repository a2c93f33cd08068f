using static TorchSharp.torch;

namespace CoopAgent.Alignment.Models;

/// <summary>Where attention keeps the keys and values of tokens already seen: <see cref="KvCache"/> (one shared
/// length, left padding) or <see cref="SlotKvCache"/> (a length per sequence).</summary>
internal interface IKeyValueStore
{
    /// <summary>Stores layer <paramref name="layer"/>'s keys and values for the new tokens, (B, H, T, D) each, and
    /// returns every key and value a query may look at, (B, H, S, D) each.</summary>
    (Tensor Keys, Tensor Values) Store(int layer, Tensor k, Tensor v);
}
