namespace DeltaTui.Gemma;

/// <summary>Which keys a decoder layer's queries may see.</summary>
public enum AttentionKind
{
    /// <summary>Causal, limited to the last <c>sliding_window</c> positions ("sliding_attention").</summary>
    Sliding,

    /// <summary>Causal over the whole sequence ("full_attention").</summary>
    Full,
}
