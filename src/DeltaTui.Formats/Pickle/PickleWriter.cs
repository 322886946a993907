using System.Buffers.Binary;
using System.Text;

namespace DeltaTui.Formats.Pickle;

/// <summary>
/// Emits protocol-2 pickle opcodes, the protocol torch.save uses by default. Deliberately tiny:
/// it knows the handful of value kinds a torch state dict of tensors and plain metadata needs,
/// and callers compose them in the order Python's pickler would.
/// </summary>
public sealed class PickleWriter
{
    // Python's pickler splits long SETITEMS runs into batches of this size; mirrored for familiarity.
    private const int BatchSize = 1000;
    private readonly MemoryStream _buffer = new();

    public PickleWriter() => WriteOp(PickleOpcodes.Proto, 2);

    public byte[] ToArray() => _buffer.ToArray();

    public void Stop() => _buffer.WriteByte(PickleOpcodes.Stop);

    public void Mark() => _buffer.WriteByte(PickleOpcodes.Mark);

    public void None() => _buffer.WriteByte(PickleOpcodes.None);

    public void Bool(bool value) => _buffer.WriteByte(value ? PickleOpcodes.NewTrue : PickleOpcodes.NewFalse);

    public void Int(long value)
    {
        if (value is >= 0 and <= byte.MaxValue)
        {
            WriteOp(PickleOpcodes.BinInt1, (byte)value);
        }
        else if (value is >= 0 and <= ushort.MaxValue)
        {
            _buffer.WriteByte(PickleOpcodes.BinInt2);
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            _buffer.Write(b);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            _buffer.WriteByte(PickleOpcodes.BinInt);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)value);
            _buffer.Write(b);
        }
        else
        {
            // LONG1: little-endian two's complement, 8 bytes always suffice for a long.
            WriteOp(PickleOpcodes.Long1, 8);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, value);
            _buffer.Write(b);
        }
    }

    public void Float(double value)
    {
        _buffer.WriteByte(PickleOpcodes.BinFloat);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        _buffer.Write(b);
    }

    public void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        _buffer.WriteByte(PickleOpcodes.BinUnicode);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, bytes.Length);
        _buffer.Write(b);
        _buffer.Write(bytes);
    }

    public void Global(string module, string name)
    {
        _buffer.WriteByte(PickleOpcodes.Global);
        _buffer.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    /// <summary>Pops a callable and an argument tuple, pushes callable(*args) at load time.</summary>
    public void Reduce() => _buffer.WriteByte(PickleOpcodes.Reduce);

    /// <summary>Pops the persistent id written just before (a tuple) and pushes what the loader resolves it to.</summary>
    public void PersistentId() => _buffer.WriteByte(PickleOpcodes.BinPersId);

    /// <summary>Writes a tuple whose items <paramref name="writeItems"/> emits (exactly <paramref name="count"/> of them).</summary>
    public void Tuple(int count, Action writeItems)
    {
        switch (count)
        {
            case 0:
                _buffer.WriteByte(PickleOpcodes.EmptyTuple);
                return;
            case 1 or 2 or 3:
                writeItems();
                _buffer.WriteByte(count switch { 1 => PickleOpcodes.Tuple1, 2 => PickleOpcodes.Tuple2, _ => PickleOpcodes.Tuple3 });
                return;
            default:
                Mark();
                writeItems();
                _buffer.WriteByte(PickleOpcodes.Tuple);
                return;
        }
    }

    public void IntTuple(IReadOnlyList<long> values) =>
        Tuple(values.Count, () => { foreach (var v in values) Int(v); });

    /// <summary>Writes a dict with string keys; each value is emitted by the callback.</summary>
    public void Dict<T>(IReadOnlyList<KeyValuePair<string, T>> items, Action<T> writeValue)
    {
        _buffer.WriteByte(PickleOpcodes.EmptyDict);
        for (var start = 0; start < items.Count; start += BatchSize)
        {
            var end = Math.Min(items.Count, start + BatchSize);
            Mark();
            for (var i = start; i < end; i++)
            {
                String(items[i].Key);
                writeValue(items[i].Value);
            }
            _buffer.WriteByte(PickleOpcodes.SetItems);
        }
    }

    /// <summary>A plain metadata value: str, bool, integer or floating point.</summary>
    public void Scalar(object value)
    {
        switch (value)
        {
            case string s: String(s); break;
            case bool b: Bool(b); break;
            case int i: Int(i); break;
            case long l: Int(l); break;
            case float f: Float(f); break;
            case double d: Float(d); break;
            default:
                throw new ArgumentException(
                    $"Metadata values must be str, bool, int or float; got {value.GetType().Name}.", nameof(value));
        }
    }

    private void WriteOp(byte opcode, byte argument)
    {
        _buffer.WriteByte(opcode);
        _buffer.WriteByte(argument);
    }
}
