using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// A parameter BSR-AdamW updates: a 2-D weight with a <see cref="BlockLayout"/> (only its active
/// blocks move), or any tensor without one, updated densely (norms, biases).
/// </summary>
public sealed record BsrParameter(string Name, Tensor Tensor, BlockLayout? Layout)
{
    public bool IsBlocked => Layout is not null;
}
