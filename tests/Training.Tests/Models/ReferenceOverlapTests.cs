using DeltaTui.Training.Tests.Dpo;
using DeltaTui.Training.Models;
using DeltaTui.Training.Dpo;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Models;

public class ReferenceOverlapTests
{
    private sealed class RecordingReference(Func<DpoBatch, Tensor> logProbs) : IReferenceModel
    {
        public int? Thread { get; private set; }
        public bool GradEnabledInside { get; private set; }

        public string Kind => "recording";

        public Tensor LogProbs(DpoBatch batch)
        {
            Thread = Environment.CurrentManagedThreadId;
            GradEnabledInside = is_grad_enabled();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return logProbs(batch).MoveToOuterDisposeScope();
        }

        public void Dispose() { }
    }

    private static DpoBatch Batch() => new(
        arange(12, dtype: ScalarType.Int64).view(2, 6), ones(2, 6, dtype: ScalarType.Int64), ones(2, 6, dtype: ScalarType.Int64), [0], 12);

    [Fact]
    public void Given_a_reference_When_started_on_the_worker_Then_it_runs_on_another_thread_and_the_caller_gets_the_same_log_probs_in_its_scope()
    {
        using var batch = Batch();
        var reference = new RecordingReference(b => b.InputIds.to(ScalarType.Float32).sum(1).neg());
        using var direct = reference.LogProbs(batch);
        var overlap = new ReferenceOverlap(reference);

        Tensor result;
        using (var scope = NewDisposeScope())
        {
            var pending = overlap.Start(batch);
            // The caller's own graph is untouched by the worker's no_grad.
            using var x = ones(3).requires_grad_(true);
            using var y = (x * 2).sum();
            Assert.True(y.requires_grad);
            result = pending.Wait();
            Assert.True(result.equal(direct).all().item<bool>());
            Assert.False(result.IsInvalid);
        }

        Assert.NotEqual(Environment.CurrentManagedThreadId, reference.Thread);
        Assert.True(result.IsInvalid);
    }

    [Fact]
    public void Given_a_reference_that_fails_When_waiting_Then_its_exception_reaches_the_caller()
    {
        using var batch = Batch();
        var overlap = new ReferenceOverlap(new RecordingReference(_ => throw new InvalidDataException("reference cache entry 3 is corrupt")));

        var pending = overlap.Start(batch);

        var e = Assert.Throws<InvalidDataException>(() => pending.Wait());
        Assert.Contains("entry 3", e.Message);
    }

    [Fact]
    public void Given_the_caller_failed_When_abandoning_Then_it_waits_for_the_worker_and_swallows_its_result()
    {
        using var batch = Batch();
        var finished = false;
        var overlap = new ReferenceOverlap(new RecordingReference(b =>
        {
            System.Threading.Thread.Sleep(100);
            finished = true;
            return b.InputIds.to(ScalarType.Float32).sum(1);
        }));

        overlap.Start(batch).Abandon();

        Assert.True(finished);
    }
}
