using DeltaTui.Training.Config;
using System.Globalization;

namespace DeltaTui.Training.Masks;

/// <summary>What a mask file records about how its masks were made; stored as plain pickle values.</summary>
public sealed record MaskMetadata(
    string Method, double Sparsity, string Scope, string Granularity, int BlockSize, int Step, string ModelId)
{
    public static MaskMetadata From(ScoreMethod method, MaskOptions options, int step, string modelId) => new(
        method.ToName(), options.Sparsity, options.Scope.ToName(), options.Granularity.ToName(),
        options.Granularity == MaskGranularity.Block ? options.BlockSize : 1, step, modelId);

    public IReadOnlyList<KeyValuePair<string, object>> ToPairs() =>
    [
        new("method", Method),
        new("sparsity", Sparsity),
        new("scope", Scope),
        new("granularity", Granularity),
        new("block_size", (long)BlockSize),
        new("step", (long)Step),
        new("model_id", ModelId),
    ];

    /// <summary>Reads the known keys back; missing or mistyped keys give a message naming the key.</summary>
    public static MaskMetadata FromDictionary(IReadOnlyDictionary<string, object> values)
    {
        string Str(string key) => values.TryGetValue(key, out var v) && v is string s
            ? s : throw new InvalidDataException($"metadata key '{key}' is missing or not a str");
        long Int(string key) => values.TryGetValue(key, out var v) && v is long l
            ? l : throw new InvalidDataException($"metadata key '{key}' is missing or not an int");
        double Real(string key) => values.TryGetValue(key, out var v)
            ? v switch { double d => d, long l => l, _ => throw new InvalidDataException($"metadata key '{key}' is not a number") }
            : throw new InvalidDataException($"metadata key '{key}' is missing");
        return new MaskMetadata(Str("method"), Real("sparsity"), Str("scope"), Str("granularity"),
            checked((int)Int("block_size")), checked((int)Int("step")), Str("model_id"));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Method} sparsity={Sparsity} scope={Scope} granularity={Granularity} block={BlockSize} step={Step} model={ModelId}");
}
