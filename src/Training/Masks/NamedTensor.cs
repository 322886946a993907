using static TorchSharp.torch;

namespace DeltaTui.Training.Masks;

/// <summary>A tensor with its parameter name (Hugging Face naming, e.g. model.layers.0.mlp.up_proj.weight).</summary>
public readonly record struct NamedTensor(string Name, Tensor Tensor);
