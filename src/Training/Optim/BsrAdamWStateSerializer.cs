using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DeltaTui.Training.Optim;

/// <summary>
/// Binary form of <see cref="BsrAdamWState"/> for checkpoints: step, then per parameter its name,
/// block layout and fp32 moments (and master). Reading checks every count and names what is wrong.
/// </summary>
public static class BsrAdamWStateSerializer
{
    private const string Magic = "deltatui-bsr-adamw-state";
    private const int Version = 1;

    public static void Write(BinaryWriter writer, BsrAdamWState state)
    {
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(state.Step);
        writer.Write(state.Tensors.Count);
        foreach (var t in state.Tensors)
        {
            writer.Write(t.Name);
            writer.Write(t.Layout is not null);
            if (t.Layout is { } layout)
            {
                writer.Write(layout.Rows);
                writer.Write(layout.Cols);
                writer.Write(layout.BlockSize);
                WriteInts(writer, layout.RowPtr);
                WriteInts(writer, layout.ColIdx);
            }
            WriteFloats(writer, t.ExpAvg);
            WriteFloats(writer, t.ExpAvgSq);
            writer.Write(t.Master is not null);
            if (t.Master is not null) WriteFloats(writer, t.Master);
        }
    }

    /// <summary>
    /// Whether the stream continues with this format (it is left where it was); null when the stream
    /// cannot seek back, so that a caller can tell this format from dense AdamW's other one.
    /// </summary>
    public static bool? StartsHere(BinaryReader reader)
    {
        var stream = reader.BaseStream;
        if (!stream.CanSeek) return null;
        var start = stream.Position;
        try
        {
            // BinaryWriter.Write(string): a 7-bit length (one byte for the magic) and the UTF-8 bytes.
            var head = reader.ReadBytes(1 + Magic.Length);
            return head.Length == 1 + Magic.Length && head[0] == Magic.Length
                && System.Text.Encoding.UTF8.GetString(head, 1, Magic.Length) == Magic;
        }
        finally
        {
            stream.Position = start;
        }
    }

    public static BsrAdamWState Read(BinaryReader reader)
    {
        try
        {
            if (reader.ReadString() != Magic) throw new InvalidDataException("not a BSR-AdamW optimizer state");
            var version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"optimizer state version {version} is not supported (expected {Version})");
            var step = reader.ReadInt64();
            var count = reader.ReadInt32();
            if (count < 0) throw new InvalidDataException($"negative tensor count {count}");
            var tensors = new List<BsrTensorState>(count);
            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                BlockLayout? layout = null;
                if (reader.ReadBoolean())
                {
                    var rows = reader.ReadInt64();
                    var cols = reader.ReadInt64();
                    var blockSize = reader.ReadInt32();
                    try
                    {
                        layout = new BlockLayout(rows, cols, blockSize, ReadInts(reader), ReadInts(reader));
                    }
                    catch (ArgumentException e)
                    {
                        throw new InvalidDataException($"block layout of '{name}': {e.Message}");
                    }
                }
                var m = ReadFloats(reader, name, "exp_avg");
                var v = ReadFloats(reader, name, "exp_avg_sq");
                var master = reader.ReadBoolean() ? ReadFloats(reader, name, "master") : null;
                if (layout is not null)
                {
                    long b = layout.BlockSize;
                    m = m.reshape(layout.ActiveBlocks, b, b);
                    v = v.reshape(layout.ActiveBlocks, b, b);
                    master = master?.reshape(layout.ActiveBlocks, b, b);
                }
                tensors.Add(new BsrTensorState(name, layout, m, v, master));
            }
            return new BsrAdamWState(step, tensors);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("optimizer state is truncated");
        }
    }

    private static void WriteInts(BinaryWriter writer, ReadOnlySpan<int> values)
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static int[] ReadInts(BinaryReader reader)
    {
        var n = reader.ReadInt32();
        if (n < 0) throw new InvalidDataException($"negative array length {n}");
        var bytes = reader.ReadBytes(checked(n * 4));
        if (bytes.Length != n * 4) throw new EndOfStreamException();
        return MemoryMarshal.Cast<byte, int>(bytes).ToArray();
    }

    private static void WriteFloats(BinaryWriter writer, Tensor t)
    {
        using var cpu = t.to(ScalarType.Float32).cpu().contiguous();
        // A weight with no block active yet (BSR before its first selection) has empty moments, which
        // TensorAccessor.ToArray cannot read.
        var values = cpu.numel() == 0 ? [] : cpu.data<float>().ToArray();
        writer.Write((long)values.Length);
        writer.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static Tensor ReadFloats(BinaryReader reader, string name, string what)
    {
        var n = reader.ReadInt64();
        if (n < 0 || n > int.MaxValue / 4) throw new InvalidDataException($"{what} of '{name}' has an invalid length {n}");
        var bytes = reader.ReadBytes((int)n * 4);
        if (bytes.Length != n * 4) throw new EndOfStreamException();
        return tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }
}
