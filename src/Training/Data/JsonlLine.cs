namespace DeltaTui.Training.Data;

/// <summary>
/// One line of a JSONL file without its line break. <see cref="Bytes"/> is only valid until the reader
/// moves on. A line over the length cap has <see cref="TooLong"/> set and no bytes: it was never buffered.
/// </summary>
internal readonly record struct JsonlLine(int Number, ReadOnlyMemory<byte> Bytes, long Length, bool TooLong);
