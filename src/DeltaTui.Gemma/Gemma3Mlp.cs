using TorchSharp;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>The gated feed-forward block: <c>down(gelu_tanh(gate(x)) · up(x))</c>.</summary>
public sealed class Gemma3Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Gemma3Linear _gate;
    private readonly Gemma3Linear _up;
    private readonly Gemma3Linear _down;

    public Gemma3Mlp(Gemma3Config config, ScalarType dtype, Device device) : base(nameof(Gemma3Mlp))
    {
        _gate = new Gemma3Linear(config.HiddenSize, config.IntermediateSize, dtype, device);
        _up = new Gemma3Linear(config.HiddenSize, config.IntermediateSize, dtype, device);
        _down = new Gemma3Linear(config.IntermediateSize, config.HiddenSize, dtype, device);
        register_module("gate_proj", _gate);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.gelu(_gate.forward(input), TorchSharp.Modules.GELU.Approximate.tanh) * _up.forward(input);
        return _down.forward(gated).MoveToOuterDisposeScope();
    }
}
