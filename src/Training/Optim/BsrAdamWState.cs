namespace DeltaTui.Training.Optim;

/// <summary>Everything a BSR-AdamW needs to resume: the step count and each parameter's state, on the CPU.</summary>
public sealed record BsrAdamWState(long Step, IReadOnlyList<BsrTensorState> Tensors);
