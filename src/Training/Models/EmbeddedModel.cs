using DeltaTui.Training.Dpo;
using DeltaTui.Gemma;

namespace DeltaTui.Training.Models;

/// <summary>
/// The model of the embedded default run: Gemma-3's architecture (sliding-window attention layers,
/// GQA, tied head, softcapping off as in Gemma-3) at a size that trains on the demo set within a
/// minute and a half on two CPU cores, initialised from the run seed.
/// </summary>
public static class EmbeddedModel
{
    public const string Id = "gemma-3-tiny (embedded, seeded)";

    public static Gemma3Config Config(int vocabSize) =>
        Gemma3Config.Tiny(vocabSize, hiddenSize: 64, numHiddenLayers: 2, slidingWindow: 64, maxPositionEmbeddings: 1024);
}
