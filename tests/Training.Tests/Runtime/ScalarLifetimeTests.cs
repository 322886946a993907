using DeltaTui.Training.Dpo;
using DeltaTui.Gemma;
using Xunit;
using static TorchSharp.torch;

namespace DeltaTui.Training.Tests.Runtime;

/// <summary>
/// A number handed to libtorch as an implicit TorchSharp Scalar can be freed by a collection while
/// libtorch reads it ("Unknown scalar type"); with a collector running flat out beside it, 200,000 such
/// calls fail about once. These run our per-step code that passes numbers many more times than that.
/// It runs in a process of its own (<see cref="OwnProcess"/>): its collector stops every thread of the process
/// hundreds of times a second, which would stall the tests beside it, and with the heaps the other tests leave
/// behind each collection takes longer (5 s alone, 30 s and more after the rest of the suite).
/// </summary>
public class ScalarLifetimeTests
{
    [Fact]
    public void Given_a_collector_running_flat_out_When_norms_and_the_dpo_loss_run_many_times_Then_no_call_sees_a_freed_scalar()
    {
        if (OwnProcess.RunHere(TestContext.Current)) Body();
    }

    private static void Body()
    {
        using var norm = new Gemma3RmsNorm(4, 1e-6, ScalarType.Float32, CPU);
        using var x = randn(1, 4, generator: new TorchSharp.torch.Generator(1));
        var logProbs = new DpoLogProbs(ones(2), zeros(2), zeros(2), zeros(2), ones(2), ones(2));
        var options = new DpoLossOptions(DpoLossType.Robust, 0.1, 0.1);
        var stop = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        var failures = new List<string>();
        try
        {
            for (var i = 0; i < 40_000 && failures.Count == 0; i++)
            {
                try
                {
                    using var scope = NewDisposeScope();
                    norm.forward(x);
                    using var result = DpoLoss.Compute(options, logProbs);
                }
                catch (Exception e)
                {
                    failures.Add($"call {i}: {e}");
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
