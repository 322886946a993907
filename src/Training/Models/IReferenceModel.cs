using DeltaTui.Training.Dpo;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>The reference policy πref of DPO: log-probs without gradients for a batch.</summary>
public interface IReferenceModel : IDisposable
{
    /// <summary>"frozen-copy" or "precomputed".</summary>
    string Kind { get; }

    /// <returns>[2B] fp32 without grad: chosen rows then rejected rows, as in <paramref name="batch"/>.</returns>
    Tensor LogProbs(DpoBatch batch);
}
