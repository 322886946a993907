using System.Collections.Concurrent;
using System.Text;

namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// Hugging Face's BPE model: a piece is split into characters (each a vocabulary token, else its UTF-8 bytes as
/// "&lt;0xNN&gt;" tokens with byte fallback, else unk), then the adjacent pair with the lowest merge rank is merged,
/// leftmost first on ties, until no pair has a merge. Results for short pieces are cached.
/// </summary>
internal sealed class BpeModel
{
    private const int MaxCachedPieceLength = 256;
    private const int MaxCacheEntries = 200_000;

    private readonly Utf8TokenTable _vocab;
    private readonly int[] _bmpCharIds;
    private readonly Dictionary<int, int> _astralRuneIds = new();
    private readonly int[] _byteIds = new int[256];
    private readonly MergeTable _merges;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new();
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private int _cacheAdds;

    /// <param name="vocab">The model's tokens (added tokens that are not in model.vocab are handled outside).</param>
    /// <param name="unkId">Id of the unknown token, or -1 when the model has none.</param>
    public BpeModel(Utf8TokenTable vocab, MergeTable merges, int unkId, bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        _vocab = vocab;
        _merges = merges;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();

        _bmpCharIds = new int[char.MaxValue + 1];
        Array.Fill(_bmpCharIds, -1);
        Array.Fill(_byteIds, -1);
        var bmp = _bmpCharIds;
        var astral = _astralRuneIds;
        vocab.ForEach((token, id) =>
        {
            if (Rune.DecodeFromUtf8(token, out var rune, out var used) == System.Buffers.OperationStatus.Done && used == token.Length)
            {
                if (rune.IsBmp)
                    bmp[rune.Value] = id;
                else
                    astral[rune.Value] = id;
            }
        });
        for (var b = 0; b < 256; b++)
        {
            if (vocab.TryGetId($"<0x{b:X2}>".AsSpan(), out var id))
                _byteIds[b] = id;
        }
    }

    /// <summary>One past the largest id in the vocabulary.</summary>
    public int IdCount => _vocab.IdCount;

    public string? IdToToken(int id) => _vocab.TokenOf(id);

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _vocab.TryGetId(token, out id);

    /// <summary>Appends the ids of one pre-tokenized piece to <paramref name="output"/>.</summary>
    public void Encode(ReadOnlySpan<char> piece, List<int> output, BpeWorkspace workspace)
    {
        if (piece.IsEmpty)
            return;
        if (_ignoreMerges && _vocab.TryGetId(piece, out var whole))
        {
            output.Add(whole);
            return;
        }
        var cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable && _cacheBySpan.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var start = output.Count;
        SplitIntoSymbols(piece, workspace);
        MergeAll(workspace, output);
        if (cacheable)
        {
            // ConcurrentDictionary.Count takes every lock, so the bound is kept with our own counter.
            if (Interlocked.Increment(ref _cacheAdds) > MaxCacheEntries)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheAdds, 0);
            }
            _cacheBySpan.TryAdd(piece, output.GetRange(start, output.Count - start).ToArray());
        }
    }

    private void SplitIntoSymbols(ReadOnlySpan<char> piece, BpeWorkspace workspace)
    {
        workspace.Reset(piece.Length * 4);
        var pendingUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        var index = 0;
        while (index < piece.Length)
        {
            // Lone surrogates cannot reach Hugging Face (its strings are valid UTF-8); they read as U+FFFD here.
            if (Rune.DecodeFromUtf16(piece[index..], out var rune, out var used) != System.Buffers.OperationStatus.Done)
                rune = Rune.ReplacementChar;
            index += used;

            var id = rune.IsBmp ? _bmpCharIds[rune.Value] : _astralRuneIds.GetValueOrDefault(rune.Value, -1);
            if (id >= 0)
            {
                if (pendingUnk)
                {
                    workspace.Add(_unkId);
                    pendingUnk = false;
                }
                workspace.Add(id);
                continue;
            }

            if (_byteFallback)
            {
                var byteCount = rune.EncodeToUtf8(utf8);
                var allKnown = true;
                for (var b = 0; b < byteCount; b++)
                    allKnown &= _byteIds[utf8[b]] >= 0;
                if (allKnown)
                {
                    // Hugging Face leaves a pending unk open across byte-fallback characters.
                    for (var b = 0; b < byteCount; b++)
                        workspace.Add(_byteIds[utf8[b]]);
                    continue;
                }
            }

            if (_unkId < 0)
                throw new InvalidOperationException(
                    $"Character U+{rune.Value:X4} is not in the vocabulary and the tokenizer has no unk token.");
            if (pendingUnk && !_fuseUnk)
                workspace.Add(_unkId);
            pendingUnk = true;
        }
        if (pendingUnk)
            workspace.Add(_unkId);
    }

    private void MergeAll(BpeWorkspace w, List<int> output)
    {
        var n = w.Count;
        var ids = w.Ids;
        var prev = w.Prev;
        var next = w.Next;
        var alive = w.Alive;
        var queue = w.Queue;
        queue.Clear();
        for (var i = 0; i + 1 < n; i++)
        {
            if (_merges.TryGet(ids[i], ids[i + 1], out var rank, out var merged))
                queue.Push(rank, i, merged);
        }

        while (queue.TryPop(out var pos, out var mergedId))
        {
            if (!alive[pos])
                continue;
            var right = next[pos];
            if (right >= n)
                continue;
            // Entries go stale when a neighbour was merged since they were queued.
            if (!_merges.TryGet(ids[pos], ids[right], out _, out var current) || current != mergedId)
                continue;

            ids[pos] = mergedId;
            alive[right] = false;
            next[pos] = next[right];
            if (next[pos] < n)
                prev[next[pos]] = pos;

            var before = prev[pos];
            if (before >= 0 && _merges.TryGet(ids[before], ids[pos], out var leftRank, out var leftMerged))
                queue.Push(leftRank, before, leftMerged);
            var after = next[pos];
            if (after < n && _merges.TryGet(ids[pos], ids[after], out var rightRank, out var rightMerged))
                queue.Push(rightRank, pos, rightMerged);
        }

        for (var i = 0; i < n; i = next[i])
            output.Add(ids[i]);
    }
}
