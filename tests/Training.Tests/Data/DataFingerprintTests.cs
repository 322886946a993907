using DeltaTui.Training.Data;
using Xunit;

namespace DeltaTui.Training.Tests.Data;

public sealed class DataFingerprintTests : IDisposable
{
    private const string Rows = """
        {"prompt": "Q", "chosen": "Yes.", "rejected": "NO!"}
        {"prompt": "R", "chosen": "Sure.", "rejected": "NEVER!"}

        """;

    private readonly DataFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void Given_the_same_file_and_settings_When_loaded_twice_Then_the_fingerprint_is_the_same_sha256_hex()
    {
        var path = files.Write("a.jsonl", Rows);

        var first = PreferenceDataset.Load(path, new FakeByteTokenizer()).Fingerprint;
        var second = PreferenceDataset.Load(path, new FakeByteTokenizer()).Fingerprint;

        Assert.Equal(first, second);
        Assert.Matches("^[0-9a-f]{64}$", first);
    }

    [Fact]
    public void Given_one_changed_byte_When_loaded_Then_the_fingerprint_changes()
    {
        var a = PreferenceDataset.Load(files.Write("a.jsonl", Rows), new FakeByteTokenizer()).Fingerprint;
        var b = PreferenceDataset.Load(files.Write("b.jsonl", Rows.Replace("Sure.", "Sure!")), new FakeByteTokenizer()).Fingerprint;

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Given_another_max_length_truncation_or_tokenizer_When_loaded_Then_the_fingerprint_changes()
    {
        var path = files.Write("a.jsonl", Rows);
        var baseline = PreferenceDataset.Load(path, new FakeByteTokenizer()).Fingerprint;

        string[] others =
        [
            PreferenceDataset.Load(path, new FakeByteTokenizer(), new PreferenceDataOptions { MaxLength = 500 }).Fingerprint,
            PreferenceDataset.Load(path, new FakeByteTokenizer(), new PreferenceDataOptions { Truncation = TruncationMode.KeepEnd }).Fingerprint,
            PreferenceDataset.Load(path, new FakeByteTokenizer(byteOffset: 20)).Fingerprint,
        ];

        Assert.All(others, other => Assert.NotEqual(baseline, other));
        Assert.Equal(3, others.Distinct().Count());
    }
}
