using DeltaTui.Training.Dpo;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>
/// Runs the reference's forward on a worker thread while the policy's forward is issued on the
/// caller's. On a GPU both forwards are bound by the host issuing small kernels one by one, not by
/// the device; the two models share no tensors, so their kernels can be issued from two threads
/// into the same stream (which keeps them ordered) and the reference's cost mostly disappears.
/// Grad mode and dispose scopes are per thread in libtorch and TorchSharp, so the worker's
/// no_grad and scope cannot leak into the policy's graph.
/// </summary>
public sealed class ReferenceOverlap
{
    private readonly IReferenceModel _reference;

    public ReferenceOverlap(IReferenceModel reference) => _reference = reference;

    /// <summary>Starts the reference's log-probs of <paramref name="batch"/>; the batch must stay alive until <see cref="Pending.Wait"/>.</summary>
    public Pending Start(DpoBatch batch) =>
        // LongRunning: its own thread, which a waiting caller cannot run inline (that would undo the overlap).
        new(Task.Factory.StartNew(() => _reference.LogProbs(batch), CancellationToken.None, TaskCreationOptions.DenyChildAttach | TaskCreationOptions.LongRunning, TaskScheduler.Default));

    public readonly struct Pending(Task<Tensor> task)
    {
        /// <summary>
        /// The [2B] fp32 log-probs, owned by the caller's current dispose scope. Waits for the worker
        /// even when the caller is unwinding, so that the batch is never freed under it.
        /// </summary>
        public Tensor Wait()
        {
            using var fromWorker = task.GetAwaiter().GetResult();
            // The worker's tensor belongs to no scope; a new handle to the same storage, made here, belongs to ours.
            return fromWorker.detach();
        }

        /// <summary>For unwinding after the caller failed: wait, and drop the result.</summary>
        public void Abandon()
        {
            try
            {
                task.GetAwaiter().GetResult().Dispose();
            }
            catch (Exception)
            {
                // The caller's own exception is the one to report.
            }
        }
    }
}
