using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>A bias-free projection whose weight is created zeroed (weights are loaded or initialised afterwards).</summary>
public sealed class Gemma3Linear : nn.Module<Tensor, Tensor>
{
    public Gemma3Linear(long inputs, long outputs, ScalarType dtype, Device device) : base(nameof(Gemma3Linear))
    {
        Weight = nn.Parameter(zeros(outputs, inputs, dtype: dtype, device: device));
        register_parameter("weight", Weight);
    }

    public Parameter Weight { get; }

    public override Tensor forward(Tensor input) => nn.functional.linear(input, Weight);
}
