namespace DeltaTui.Formats.Tokenization;

/// <summary>The parts of a Hugging Face tokenizer.json that encoding and decoding use.</summary>
/// <param name="Decoder">Decoder steps, or null when the file has no decoder (tokens are then joined by spaces).</param>
internal sealed record TokenizerJson(
    BpeModel Model,
    IReadOnlyList<AddedToken> AddedTokens,
    IReadOnlyList<NormalizerStep> Normalizer,
    IReadOnlyList<SplitPreTokenizer> PreTokenizer,
    IReadOnlyList<DecoderStep>? Decoder);
