using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DeltaTui.Formats.Tokenization;

namespace DeltaTui.Training.Data;

/// <summary>
/// Identifies exactly what a dataset feeds the model, for caches such as precomputed reference
/// log-probs: the file's bytes, the tokenizer (type, vocabulary size, special ids), the length policy,
/// and the token ids of every kept pair, which also catches a tokenizer that changed behind the same name.
/// </summary>
public static class DataFingerprint
{
    private const string Version = "deltatui-preference-data-v1";

    /// <returns>64 lowercase hex digits (SHA-256).</returns>
    public static string Compute(ReadOnlySpan<byte> fileSha256, ITokenizer tokenizer, PreferenceDataOptions options, IReadOnlyList<PreferencePair> pairs)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var header = string.Join('\n',
            Version,
            Convert.ToHexStringLower(fileSha256),
            tokenizer.GetType().FullName,
            $"vocab={tokenizer.VocabSize} bos={tokenizer.BosId} eos={tokenizer.EosId} pad={tokenizer.PadId} sot={tokenizer.StartOfTurnId} eot={tokenizer.EndOfTurnId}",
            $"max_length={options.MaxLength} truncation={options.Truncation} strings={options.StringFormat}",
            $"pairs={pairs.Count}");
        hash.AppendData(Encoding.UTF8.GetBytes(header));
        foreach (var pair in pairs)
        {
            Append(hash, pair.Line);
            AppendIds(hash, pair.PromptIds.AsSpan());
            AppendIds(hash, pair.ChosenIds.AsSpan());
            AppendIds(hash, pair.RejectedIds.AsSpan());
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendIds(IncrementalHash hash, ReadOnlySpan<int> ids)
    {
        Append(hash, ids.Length);
        foreach (var id in ids) Append(hash, id);
    }

    private static void Append(IncrementalHash hash, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        hash.AppendData(bytes);
    }
}
