namespace DeltaTui.Gemma;

public enum AttentionImplementation
{
    /// <summary>
    /// <c>scaled_dot_product_attention</c> with an additive mask: fused kernels on GPU. Falls back to
    /// <see cref="Eager"/> when attention scores are softcapped, which the fused kernel cannot do.
    /// </summary>
    Sdpa,

    /// <summary>Explicit matmul–softmax–matmul, exactly transformers' eager path; for verification.</summary>
    Eager,
}
