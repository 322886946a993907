using DeltaTui.Training.Config;
namespace DeltaTui.Training.Dpo;

/// <param name="Beta">Inverse temperature of the implicit reward; TRL's default is 0.1.</param>
/// <param name="LabelSmoothing">ε: the assumed probability that a preference label is flipped (sigmoid and robust only).</param>
public sealed record DpoLossOptions(DpoLossType Type = DpoLossType.Sigmoid, double Beta = 0.1, double LabelSmoothing = 0.0)
{
    public void Validate()
    {
        if (!(Beta > 0) || double.IsInfinity(Beta)) throw new ArgumentException($"dpo.beta must be a positive finite number, got {Beta}");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 0.5))
            throw new ArgumentException($"dpo.label_smoothing must be in [0, 0.5), got {LabelSmoothing}");
    }
}
