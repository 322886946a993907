using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DeltaTui.Training.Tests.Pickle;

/// <summary>
/// A second, deliberately separate reader of torch.save files for tests: the zip through
/// System.IO.Compression and a small pickle interpreter written here, so the product's writer is
/// checked against code that shares nothing with it. Tensors come back as their raw view.
/// </summary>
internal static class IndependentTorchFileReader
{
    public sealed record Tensor(string StorageType, long Offset, long[] Size, long[] Stride, byte[] Storage)
    {
        public byte[] Elements()
        {
            var count = Size.Aggregate(1L, (a, b) => a * b);
            var result = new byte[count];
            var index = new long[Size.Length];
            for (long i = 0; i < count; i++)
            {
                var at = Offset;
                for (var d = 0; d < Size.Length; d++) at += index[d] * Stride[d];
                result[i] = Storage[at];
                for (var d = Size.Length - 1; d >= 0; d--)
                {
                    if (++index[d] < Size[d]) break;
                    index[d] = 0;
                }
            }
            return result;
        }
    }

    public sealed record Archive(object? Root, IReadOnlyList<string> EntryNames, IReadOnlyDictionary<string, long> DataOffsets);

    private sealed record Global(string Name);

    private sealed record StorageRef(string Type, string Key, long Numel);

    public static Archive Read(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        var prefix = names.Single(n => n.EndsWith("/data.pkl", StringComparison.Ordinal))[..^"data.pkl".Length];
        byte[] Entry(string name)
        {
            using var s = zip.GetEntry(prefix + name)!.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        }
        var root = Interpret(Entry("data.pkl"), key => Entry("data/" + key));
        return new Archive(root, names, LocalDataOffsets(path));
    }

    // Where each record's data starts, from the local headers (to check torch's 64-byte alignment).
    private static Dictionary<string, long> LocalDataOffsets(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var result = new Dictionary<string, long>();
        var pos = 0;
        while (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos)) == 0x04034b50)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 22));
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos + 26));
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos + 28));
            var name = Encoding.UTF8.GetString(bytes, pos + 30, nameLength);
            var data = pos + 30 + nameLength + extraLength;
            result[name] = data;
            pos = (int)(data + size);
        }
        return result;
    }

    private static object? Interpret(byte[] p, Func<string, byte[]> storage)
    {
        var stack = new Stack<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<int, object?>();
        var i = 0;
        List<object?> PopMark()
        {
            var depth = marks.Pop();
            var items = new List<object?>();
            while (stack.Count > depth) items.Insert(0, stack.Pop());
            return items;
        }
        while (true)
        {
            var op = p[i++];
            switch (op)
            {
                case 0x80: i++; break;
                case (byte)'}': stack.Push(new Dictionary<string, object?>()); break;
                case (byte)')': stack.Push(Array.Empty<object?>()); break;
                case (byte)'(': marks.Push(stack.Count); break;
                case (byte)'q': memo[p[i++]] = stack.Peek(); break;
                case (byte)'r': memo[BitConverter.ToInt32(p, i)] = stack.Peek(); i += 4; break;
                case (byte)'h': stack.Push(memo[p[i++]]); break;
                case (byte)'j': stack.Push(memo[BitConverter.ToInt32(p, i)]); i += 4; break;
                case (byte)'K': stack.Push((long)p[i++]); break;
                case (byte)'M': stack.Push((long)BitConverter.ToUInt16(p, i)); i += 2; break;
                case (byte)'J': stack.Push((long)BitConverter.ToInt32(p, i)); i += 4; break;
                case 0x8a: { int n = p[i++]; var v = new byte[8]; Array.Copy(p, i, v, 0, n); if (n > 0 && (p[i + n - 1] & 0x80) != 0) for (var k = n; k < 8; k++) v[k] = 0xFF; stack.Push(BitConverter.ToInt64(v)); i += n; break; }
                case (byte)'G': stack.Push(BinaryPrimitives.ReadDoubleBigEndian(p.AsSpan(i))); i += 8; break;
                case 0x88: stack.Push(true); break;
                case 0x89: stack.Push(false); break;
                case (byte)'N': stack.Push(null); break;
                case (byte)'X': { var n = BitConverter.ToInt32(p, i); stack.Push(Encoding.UTF8.GetString(p, i + 4, n)); i += 4 + n; break; }
                case (byte)'c':
                {
                    var end1 = Array.IndexOf(p, (byte)'\n', i);
                    var end2 = Array.IndexOf(p, (byte)'\n', end1 + 1);
                    stack.Push(new Global(Encoding.ASCII.GetString(p, i, end1 - i) + "." + Encoding.ASCII.GetString(p, end1 + 1, end2 - end1 - 1)));
                    i = end2 + 1;
                    break;
                }
                case (byte)'t': stack.Push(PopMark().ToArray()); break;
                case 0x85: stack.Push(new[] { stack.Pop() }); break;
                case 0x86: { var b = stack.Pop(); var a = stack.Pop(); stack.Push(new[] { a, b }); break; }
                case 0x87: { var c = stack.Pop(); var b = stack.Pop(); var a = stack.Pop(); stack.Push(new[] { a, b, c }); break; }
                case (byte)'Q':
                {
                    var pid = (object?[])stack.Pop()!;
                    stack.Push(new StorageRef(((Global)pid[1]!).Name, (string)pid[2]!, (long)pid[4]!));
                    break;
                }
                case (byte)'R':
                {
                    var args = (object?[])stack.Pop()!;
                    var callable = ((Global)stack.Pop()!).Name;
                    stack.Push(callable switch
                    {
                        "collections.OrderedDict" => new Dictionary<string, object?>(),
                        "torch._utils._rebuild_tensor_v2" => MakeTensor(args, storage),
                        _ => throw new InvalidDataException($"test reader: unexpected callable {callable}"),
                    });
                    break;
                }
                case (byte)'s': { var v = stack.Pop(); var k = (string)stack.Pop()!; ((Dictionary<string, object?>)stack.Peek()!)[k] = v; break; }
                case (byte)'u':
                {
                    var items = PopMark();
                    var d = (Dictionary<string, object?>)stack.Peek()!;
                    for (var k = 0; k < items.Count; k += 2) d[(string)items[k]!] = items[k + 1];
                    break;
                }
                case (byte)'.': return stack.Pop();
                default: throw new InvalidDataException($"test reader: opcode 0x{op:x2} at {i - 1}");
            }
        }
    }

    private static Tensor MakeTensor(object?[] args, Func<string, byte[]> storage)
    {
        var s = (StorageRef)args[0]!;
        var data = storage(s.Key);
        if (data.Length != s.Numel) throw new InvalidDataException("test reader: storage size differs from numel");
        return new Tensor(s.Type, (long)args[1]!, ((object?[])args[2]!).Select(x => (long)x!).ToArray(),
            ((object?[])args[3]!).Select(x => (long)x!).ToArray(), data);
    }
}
