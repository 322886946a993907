using System.Text.Json.Serialization;

namespace DeltaTui.Training.Config;

/// <summary>Which model to fine-tune and how to hold it in memory.</summary>
public sealed record ModelOptions
{
    /// <summary>Folder of a Hugging Face snapshot (config.json + model.safetensors), or <c>embedded</c> for the tiny seeded demo model.</summary>
    public string Path { get; init; } = "embedded";

    /// <summary>Type the weights, and so the activations, are held in during training (bf16 halves memory). θ0 is kept in this type too (a copy is exact); deltas from it are taken in fp32.</summary>
    [JsonPropertyName("dtype")]
    public TensorDType DType { get; init; } = TensorDType.Float32;

    /// <summary>Recompute each layer's activations in the backward pass instead of storing them: less memory, about a third more compute.</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Sequence positions per chunk when computing completion log-probs, so fp32 logits over the vocabulary never exist for the whole batch at once.</summary>
    [ConfigRange(1, 1_048_576)]
    public int LogprobChunkSize { get; init; } = 128;

    /// <summary>On a GPU, compute the log-probs of each chunk with the native kernels (the bf16 logits read once, the gradient written over them, no fp32 copy) when libdeltatui_native was built with them (CMake option DTN_TOKEN_LOGPROBS_CUDA); false: TorchSharp ops always.</summary>
    public bool NativeLogprobs { get; init; } = true;

    /// <summary>On a GPU, run every RMSNorm on libdeltatui_native's fused kernels (one kernel and one autograd node instead of ten, no fp32 copies of the activations kept for backward); false: TorchSharp ops always.</summary>
    public bool NativeRmsnorm { get; init; } = true;
}
