namespace DeltaTui.Training.Optim;

/// <summary>Hyper-parameters of (BSR-)AdamW other than the learning rate, which comes per step from the schedule.</summary>
/// <param name="StochasticRounding">bf16 weights: round the fp32 master stochastically instead of to nearest.</param>
/// <param name="Seed">Seeds stochastic rounding.</param>
public sealed record BsrAdamWOptions(
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Eps = 1e-8,
    double WeightDecay = 0.01,
    bool StochasticRounding = false,
    ulong Seed = 0)
{
    public void Validate()
    {
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"beta1 must be in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"beta2 must be in [0, 1), got {Beta2}");
        if (!(Eps > 0)) throw new ArgumentException($"eps must be positive, got {Eps}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay must be >= 0, got {WeightDecay}");
    }
}
