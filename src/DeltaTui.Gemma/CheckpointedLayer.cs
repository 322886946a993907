using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace DeltaTui.Gemma;

/// <summary>
/// Gradient checkpointing for one decoder layer (TorchSharp has no torch.utils.checkpoint): the
/// forward pass runs without recording a graph and keeps only the layer input; backward runs the
/// layer again with autograd on and differentiates that recomputation. The layer's trainable
/// parameters are passed as inputs of the function so their gradients flow through the normal
/// graph (and reach <c>autograd.grad</c> callers too, unlike a reentrant backward). The recomputed
/// forward is bit-identical to the first because a layer has no dropout or other randomness.
/// </summary>
internal sealed class CheckpointedLayer : SingleTensorFunction<CheckpointedLayer>
{
    public override string Name => nameof(CheckpointedLayer);

    public static Tensor Run(Gemma3DecoderLayer layer, Tensor hidden, LayerAttentionInputs inputs, ReturnedGradients returned)
    {
        var trainable = layer.parameters().Where(p => p.requires_grad).Cast<Tensor>().ToArray();
        object[] arguments = [hidden, layer, inputs, trainable, returned, .. trainable];
        return apply(arguments);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var hidden = (Tensor)vars[0];
        var layer = (Gemma3DecoderLayer)vars[1];
        var inputs = (LayerAttentionInputs)vars[2];
        ctx.save_for_backward([hidden]);
        ctx.save_data("layer", layer);
        ctx.save_data("inputs", inputs);
        ctx.save_data("trainable", vars[3]);
        ctx.save_data("returned", vars[4]);
        return layer.call(hidden, inputs);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        // Backward may run on an autograd worker thread with no scope of its own; this one frees the
        // recomputed activations as soon as their gradients are taken instead of at garbage collection.
        var returned = (ReturnedGradients)ctx.get_data("returned");
        using var incoming = returned.BeginCallback(gradOutput);
        using var scope = NewDisposeScope();
        var hidden = ctx.get_saved_variables()[0];
        var layer = (Gemma3DecoderLayer)ctx.get_data("layer");
        var inputs = (LayerAttentionInputs)ctx.get_data("inputs");
        var trainable = (Tensor[])ctx.get_data("trainable");
        using var grad = enable_grad();
        var input = hidden.detach().requires_grad_(true);
        var output = layer.call(input, inputs); // forward hooks fire again here, as in PyTorch's checkpoint
        var gradients = torch.autograd.grad([output], [input, .. trainable], [gradOutput], allow_unused: true);
        // One entry per forward argument: hidden, then null for the four non-tensor arguments, then the parameters.
        List<Tensor> result = [gradients[0], null!, null!, null!, null!];
        result.AddRange(gradients.Skip(1));
        foreach (var gradient in result.Where(g => g is not null && !g.IsInvalid))
        {
            returned.Track(gradient.MoveToOuterDisposeScope());
        }
        return result;
    }
}
