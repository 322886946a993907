using DeltaTui.Torch.Runtime;
using static TorchSharp.torch;

namespace DeltaTui.Gemma;

/// <summary>
/// Keys and values of every layer for batched generation. Sequences are left-padded to one length, so all
/// rows share "columns" (0, 1, … in the padded batch) while each row has its own positions (for RoPE).
/// Full-attention layers keep every column, <c>[B, kv_heads, capacity, head_dim]</c>; sliding-window layers keep
/// a ring of the last <c>sliding_window</c> columns (column c in slot c mod window), as transformers' sliding
/// caches do. All bookkeeping of which column sits where is host arithmetic on <see cref="Length"/>; masks are
/// built on the device from it, so a decode step never waits for the device.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerKvCache[] _layers;
    private Tensor _keyValid; // [B, capacity] bool: the column holds a real token (not left padding)

    public KvCache(Gemma3Config config, long batch, int capacity, ScalarType dtype, Device device)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive");
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "capacity must be positive");
        Batch = batch;
        Capacity = capacity;
        SlidingWindow = config.SlidingWindow;
        _layers = config.LayerTypes.Select(kind => new LayerKvCache(this, kind, batch, config.NumKeyValueHeads,
            kind == AttentionKind.Full ? capacity : Math.Min(capacity, config.SlidingWindow), config.HeadDim, dtype, device)).ToArray();
        _keyValid = ones(batch, capacity, dtype: ScalarType.Bool, device: device).DetachFromDisposeScope();
    }

    public long Batch { get; }

    /// <summary>Columns the cache can hold: the longest prompt plus the tokens to generate.</summary>
    public int Capacity { get; }

    public int SlidingWindow { get; }

    /// <summary>Columns already stored.</summary>
    public int Length { get; private set; }

    public LayerKvCache Layer(int index) => _layers[index];

    /// <summary>Marks the prompt's padding columns [0, P) from its attention mask <c>[B, P]</c> (1 = real token); call before the prefill.</summary>
    public void SetPadding(Tensor attentionMask)
    {
        if (attentionMask.dim() != 2 || attentionMask.shape[0] != Batch || attentionMask.shape[1] > Capacity)
        {
            throw new ArgumentException($"the attention mask must be [{Batch}, ≤{Capacity}], got [{string.Join(", ", attentionMask.shape)}]", nameof(attentionMask));
        }
        using var scope = NewDisposeScope();
        _keyValid.narrow(1, 0, attentionMask.shape[1]).copy_(attentionMask.to(_keyValid.device).to_type(ScalarType.Bool));
    }

    /// <summary>
    /// The additive mask <c>[B,1,T,K]</c> for <paramref name="newTokens"/> queries at columns Length…Length+T−1 over the keys
    /// <see cref="LayerKvCache.Append"/> returns for a layer of <paramref name="kind"/>.
    /// </summary>
    internal Tensor Mask(AttentionKind kind, long newTokens, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var device = _keyValid.device;
        long length = Length;
        var queryColumns = arange(length, length + newTokens, dtype: ScalarType.Int64, device: device).view(newTokens, 1);
        Tensor keyColumns;
        if (kind == AttentionKind.Full)
        {
            keyColumns = arange(0, length + newTokens, dtype: ScalarType.Int64, device: device);
        }
        else
        {
            var fresh = arange(length, length + newTokens, dtype: ScalarType.Int64, device: device);
            if (length == 0)
            {
                keyColumns = fresh;
            }
            else
            {
                // Slot s holds the latest column c < Length with c ≡ s (mod window); negative when the slot is still empty.
                var window = _layers.First(l => l.Kind == AttentionKind.Sliding).Slots;
                var slots = arange(0, window, dtype: ScalarType.Int64, device: device);
                var back = (slots.neg() + Scalars.OfInteger(length - 1)).remainder(Scalars.OfInteger(window));
                var ring = back.neg() + Scalars.OfInteger(length - 1);
                keyColumns = cat([ring, fresh], 0);
            }
        }
        var keys = keyColumns.view(1, -1);
        var visible = (keys <= queryColumns) & (keys >= Scalars.OfInteger(0));
        if (kind == AttentionKind.Sliding)
        {
            visible = visible & (keys > queryColumns - Scalars.OfInteger(SlidingWindow));
        }
        var valid = _keyValid.index_select(1, keyColumns.clamp_min(Scalars.OfInteger(0)));
        var all = visible.view(1, 1, newTokens, -1) & valid.view(Batch, 1, 1, -1);
        return zeros(all.shape, dtype: dtype, device: device).masked_fill(all.logical_not(), Scalars.Of(finfo(dtype).min)).MoveToOuterDisposeScope();
    }

    /// <summary>Called once per forward, after every layer has appended <paramref name="newTokens"/> columns.</summary>
    internal void Advance(int newTokens)
    {
        if (Length + newTokens > Capacity)
        {
            throw new InvalidOperationException($"the cache holds {Capacity} columns; {Length} are used and {newTokens} more do not fit");
        }
        Length += newTokens;
    }

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
        _keyValid.Dispose();
    }
}

/// <summary>One layer's keys and values (after RoPE, before the query heads are repeated): see <see cref="KvCache"/>.</summary>
public sealed class LayerKvCache : IDisposable
{
    private readonly KvCache _owner;
    private readonly Tensor _keys;
    private readonly Tensor _values;

    internal LayerKvCache(KvCache owner, AttentionKind kind, long batch, int kvHeads, int slots, int headDim, ScalarType dtype, Device device)
    {
        _owner = owner;
        Kind = kind;
        Slots = slots;
        _keys = zeros(batch, kvHeads, slots, headDim, dtype: dtype, device: device).DetachFromDisposeScope();
        _values = zeros(batch, kvHeads, slots, headDim, dtype: dtype, device: device).DetachFromDisposeScope();
    }

    public AttentionKind Kind { get; }

    /// <summary>Capacity for full layers, the window for sliding ones.</summary>
    public int Slots { get; }

    /// <summary>
    /// Stores the new keys and values <c>[B, kv_heads, T, head_dim]</c> at columns Length…Length+T−1 and returns the keys and
    /// values the new queries attend over, in the layout of <see cref="KvCache.Mask"/>: columns 0…Length+T−1 for full layers;
    /// for sliding ones the ring's slots (when anything is stored) followed by the T new columns.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(Tensor key, Tensor value)
    {
        var length = _owner.Length;
        var count = (int)key.shape[2];
        if (Kind == AttentionKind.Full)
        {
            if (length + count > Slots)
            {
                throw new InvalidOperationException($"the cache holds {Slots} columns; {length} are used and {count} more do not fit");
            }
            _keys.narrow(2, length, count).copy_(key);
            _values.narrow(2, length, count).copy_(value);
            return (_keys.narrow(2, 0, length + count), _values.narrow(2, 0, length + count));
        }

        var keys = length == 0 ? key : cat([_keys, key], 2);
        var values = length == 0 ? value : cat([_values, value], 2);
        // Only the last `Slots` new columns can ever be seen again; write them into their slots (at most two runs).
        var kept = Math.Min(count, Slots);
        var firstColumn = length + count - kept;
        var slot = firstColumn % Slots;
        var run = Math.Min(kept, Slots - slot);
        _keys.narrow(2, slot, run).copy_(key.narrow(2, count - kept, run));
        _values.narrow(2, slot, run).copy_(value.narrow(2, count - kept, run));
        if (kept > run)
        {
            _keys.narrow(2, 0, kept - run).copy_(key.narrow(2, count - kept + run, kept - run));
            _values.narrow(2, 0, kept - run).copy_(value.narrow(2, count - kept + run, kept - run));
        }
        return (keys, values);
    }

    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }
}
