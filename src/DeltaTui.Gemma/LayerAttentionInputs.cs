using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// What every layer of one attention kind shares in a forward pass: RoPE tables <c>[1,1,T,head_dim]</c>
/// in the model dtype (cos, and sin with its first half negated: <see cref="RotaryEmbedding.SignedSin"/>) and the additive mask <c>[B|1,1,T,T]</c> (0 where visible, the dtype's minimum elsewhere).
/// In generation (<see cref="Cache"/> set) the tables are <c>[B,1,T,head_dim]</c> at each row's positions and the mask is
/// <c>[B,1,T,K]</c> over the keys the cache hands back.
/// </summary>
public sealed record LayerAttentionInputs(Tensor Cos, Tensor SignedSin, Tensor Mask)
{
    /// <summary>The layer's key/value cache in generation; null in training and in the plain forward.</summary>
    public LayerKvCache? Cache { get; init; }
}
