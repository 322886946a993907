using DeltaTui.Training.Config;
using DeltaTui.Training.Data;
using DeltaTui.Training.Dpo;
using DeltaTui.Formats.Tokenization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Data;

/// <summary>
/// End to end through the trainer's batches (<see cref="RunData"/>, <see cref="PositionalBatchSource"/>): a bigram byte model (a table of next-token logits per previous
/// token, all zero at first, so policy = reference = uniform) is trained with the DPO sigmoid loss on the
/// embedded demo set. The first loss must be ln 2, and the held-out pairs, never trained on, must come
/// out preferred: the property that separates chosen from rejected is learnable from bytes alone.
/// </summary>
public class DemoDataLearnabilityTests
{
    private const double Beta = 0.1;

    [Fact]
    public void Given_the_demo_set_When_a_bigram_byte_model_is_dpo_trained_briefly_Then_the_first_loss_is_ln2_and_held_out_accuracy_reaches_0_9()
    {
        var tokenizer = new ByteTokenizer();
        var data = RunData.Load(new DataOptions { Path = RunData.EmbeddedPath, MaxLength = 128 }, tokenizer);
        using var table = new TorchSharp.Modules.Parameter(zeros(tokenizer.VocabSize, tokenizer.VocabSize));
        using var optimizer = optim.Adam([table], lr: 0.1);
        var batches = new PositionalBatchSource(data.Train, data.Eval, batchSize: 8, gradAccumulation: 1, seed: 1, tokenizer.PadId, CPU, "demo");

        var firstLoss = double.NaN;
        for (var step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = batches.TrainBatch(step, 0);
            var loss = -nn.functional.logsigmoid(Beta * Margins(table, batch, tokenizer.VocabSize)).mean();
            if (step == 0) firstLoss = loss.item<float>();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        Assert.Equal(Math.Log(2), firstLoss, precision: 5);
        Assert.True(HeldOutAccuracy(table, batches, data.Eval.Count, tokenizer.VocabSize) >= 0.9);
    }

    /// <summary>Δ = (log π(y+) − log ref(y+)) − (log π(y−) − log ref(y−)) per pair, with ref uniform over the vocabulary.</summary>
    private static Tensor Margins(Tensor table, DpoBatch batch, int vocab)
    {
        // The convention under test: position t with mask 1 scores log p(ids[t] | ids[< t]), never t = 0.
        Assert.Equal(0, batch.CompletionMask[.., 0].sum().item<long>());
        var previous = batch.InputIds[.., ..^1];
        var next = batch.InputIds[.., 1..];
        var scored = batch.CompletionMask[.., 1..].to(ScalarType.Float32);
        var logProbs = nn.functional.log_softmax(table[previous], dim: -1).gather(-1, next.unsqueeze(-1)).squeeze(-1);
        var policy = (logProbs * scored).sum(1);
        var reference = -scored.sum(1) * Math.Log(vocab);
        var ratio = policy - reference;
        var b = batch.Pairs;
        return ratio[..b] - ratio[b..];
    }

    private static double HeldOutAccuracy(Tensor table, PositionalBatchSource batches, int evalCount, int vocab)
    {
        using var noGrad = no_grad();
        var right = 0;
        foreach (var batch in batches.EvalBatches())
        {
            using var scope = NewDisposeScope();
            using (batch) right += (int)(Margins(table, batch, vocab) > 0).sum().item<long>();
        }

        return right / (double)evalCount;
    }
}
