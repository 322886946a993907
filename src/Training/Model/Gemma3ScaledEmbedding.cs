using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Training.Model;

/// <summary>
/// Token embeddings multiplied by sqrt(hidden_size), the scale first rounded to the weight dtype as
/// transformers does (in bf16, sqrt(640) becomes 25.25, not 25.298…).
/// </summary>
public sealed class Gemma3ScaledEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly float _scale;

    public Gemma3ScaledEmbedding(long vocabulary, long hidden, ScalarType dtype, Device device) : base(nameof(Gemma3ScaledEmbedding))
    {
        _scale = (float)Math.Sqrt(hidden);
        Weight = nn.Parameter(zeros(vocabulary, hidden, dtype: dtype, device: device));
        register_parameter("weight", Weight);
    }

    public Parameter Weight { get; }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var rows = Weight.index_select(0, inputIds.reshape(-1)).view([.. inputIds.shape, Weight.shape[1]]);
        var scale = tensor(_scale, device: Weight.device).to_type(Weight.dtype);
        return (rows * scale).MoveToOuterDisposeScope();
    }
}
