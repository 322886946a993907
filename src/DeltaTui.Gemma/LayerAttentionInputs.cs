using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// What every layer of one attention kind shares in a forward pass: RoPE tables <c>[1,1,T,head_dim]</c>
/// in the model dtype (cos, and sin with its first half negated: <see cref="RotaryEmbedding.SignedSin"/>) and the additive mask <c>[B|1,1,T,T]</c> (0 where visible, the dtype's minimum elsewhere).
/// </summary>
public sealed record LayerAttentionInputs(Tensor Cos, Tensor SignedSin, Tensor Mask);
