using DeltaTui.Core.IO;
using DeltaTui.Training.Dpo;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace DeltaTui.Training.Models;

/// <summary>
/// Reference log-probs computed in one pass before training and cached on disk, keyed by the
/// model's and the data's fingerprints, so no reference model stays in memory during training.
/// A cache file that is missing, truncated, or made for other data is recomputed, never trusted.
/// </summary>
public sealed class PrecomputedReference : IReferenceModel
{
    private static readonly byte[] Magic = "DTREFLP1"u8.ToArray();
    private readonly float[] _chosen;
    private readonly float[] _rejected;
    private readonly Device _device;

    private PrecomputedReference(float[] chosen, float[] rejected, Device device, string cachePath, bool loadedFromCache)
    {
        _chosen = chosen;
        _rejected = rejected;
        _device = device;
        CachePath = cachePath;
        LoadedFromCache = loadedFromCache;
    }

    public string Kind => "precomputed";

    public string CachePath { get; }

    /// <summary>False when this instance had to run the model (first use or an invalid cache).</summary>
    public bool LoadedFromCache { get; }

    public static string CacheFileName(string modelFingerprint, string dataFingerprint, string split)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{modelFingerprint}\n{dataFingerprint}\n{split}"));
        return $"{split}-{Convert.ToHexStringLower(key)[..32]}.reflogps";
    }

    /// <param name="model">The initial policy; only read, under no_grad.</param>
    /// <param name="batches">Every pair of the split exactly once.</param>
    public static PrecomputedReference LoadOrCompute(
        string cacheDirectory, string modelFingerprint, string dataFingerprint, string split, int pairCount,
        ICausalLanguageModel model, Func<IEnumerable<DpoBatch>> batches, Device device)
    {
        var path = Path.Combine(cacheDirectory, CacheFileName(modelFingerprint, dataFingerprint, split));
        if (TryRead(path, pairCount) is var (chosen, rejected)) return new PrecomputedReference(chosen, rejected, device, path, true);

        chosen = new float[pairCount];
        rejected = new float[pairCount];
        var seen = new bool[pairCount];
        using (no_grad())
        {
            foreach (var batch in batches())
            {
                using var scope = NewDisposeScope();
                using var _ = batch;
                var values = model.CompletionLogProbs(batch.InputIds, batch.AttentionMask, batch.CompletionMask)
                    .to(ScalarType.Float32).cpu().data<float>().ToArray();
                for (var i = 0; i < batch.Pairs; i++)
                {
                    var id = batch.PairIds[i];
                    chosen[id] = values[i];
                    rejected[id] = values[batch.Pairs + i];
                    seen[id] = true;
                }
            }
        }
        var missing = Array.IndexOf(seen, false);
        if (missing >= 0) throw new InvalidOperationException($"precomputing reference log-probs of the {split} split: pair {missing} of {pairCount} was never in a batch");
        Write(path, chosen, rejected);
        return new PrecomputedReference(chosen, rejected, device, path, false);
    }

    public Tensor LogProbs(DpoBatch batch)
    {
        var values = new float[2 * batch.Pairs];
        for (var i = 0; i < batch.Pairs; i++)
        {
            var id = batch.PairIds[i];
            if ((uint)id >= (uint)_chosen.Length)
                throw new ArgumentException($"pair {id} is outside the {_chosen.Length} precomputed pairs of {CachePath}");
            values[i] = _chosen[id];
            values[batch.Pairs + i] = _rejected[id];
        }
        return HostToDevice.Copy(values, _device);
    }

    private static (float[] Chosen, float[] Rejected)? TryRead(string path, int pairCount)
    {
        try
        {
            if (!File.Exists(path)) return null;
            var bytes = File.ReadAllBytes(path);
            var expected = Magic.Length + 4 + 8 * pairCount;
            if (bytes.Length != expected || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return null;
            if (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Magic.Length)) != pairCount) return null;
            var floats = new float[2 * pairCount];
            Buffer.BlockCopy(bytes, Magic.Length + 4, floats, 0, 8 * pairCount);
            return (floats[..pairCount], floats[pairCount..]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Write(string path, float[] chosen, float[] rejected) =>
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Magic);
            Span<byte> count = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(count, chosen.Length);
            stream.Write(count);
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(chosen.AsSpan()));
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rejected.AsSpan()));
        });

    public void Dispose() { }
}
