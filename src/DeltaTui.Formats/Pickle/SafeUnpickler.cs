using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace DeltaTui.Formats.Pickle;

/// <summary>
/// A pickle reader that only interprets: it builds plain values (str, int, float, bool, None, tuples,
/// lists, <see cref="PickleDict"/>) and recognises the few torch constructs of a saved state dict,
/// the same ones torch.load(weights_only=True) allows for it. Any other global, callable or opcode
/// is rejected with a <see cref="PickleFormatException"/> naming it; nothing is ever executed.
/// </summary>
public static class SafeUnpickler
{
    private const string RebuildTensor = "torch._utils._rebuild_tensor_v2";
    private const string OrderedDict = "collections.OrderedDict";

    /// <summary>torch's storage classes, the only other globals a state dict of tensors needs.</summary>
    public static readonly IReadOnlySet<string> StorageTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "BoolStorage", "ByteStorage", "CharStorage", "ShortStorage", "IntStorage", "LongStorage",
        "HalfStorage", "FloatStorage", "DoubleStorage", "BFloat16Storage", "ComplexFloatStorage",
        "ComplexDoubleStorage", "UntypedStorage",
    };

    private static readonly object MarkObject = new();

    public static object? Load(ReadOnlySpan<byte> data)
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>();
        var pos = 0;

        while (true)
        {
            if (pos >= data.Length) throw Error(pos, "the pickle ends without a STOP opcode (truncated?)");
            var at = pos;
            var op = data[pos++];
            switch (op)
            {
                case PickleOpcodes.Proto:
                    var protocol = Take(data, ref pos, 1, at)[0];
                    if (protocol > 5) throw Error(at, $"pickle protocol {protocol} is not supported");
                    break;
                case PickleOpcodes.Frame:
                    Take(data, ref pos, 8, at);
                    break;
                case PickleOpcodes.Stop:
                    if (stack.Count != 1) throw Error(at, $"STOP with {stack.Count} values on the stack, expected 1");
                    if (ReferenceEquals(stack[0], MarkObject)) throw Error(at, "STOP with a MARK on the stack");
                    return stack[0];
                case PickleOpcodes.Mark:
                    marks.Push(stack.Count);
                    stack.Add(MarkObject);
                    break;
                case PickleOpcodes.None:
                    stack.Add(null);
                    break;
                case PickleOpcodes.NewTrue:
                    stack.Add(true);
                    break;
                case PickleOpcodes.NewFalse:
                    stack.Add(false);
                    break;
                case PickleOpcodes.BinInt:
                    stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(data, ref pos, 4, at)));
                    break;
                case PickleOpcodes.BinInt1:
                    stack.Add((long)Take(data, ref pos, 1, at)[0]);
                    break;
                case PickleOpcodes.BinInt2:
                    stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(data, ref pos, 2, at)));
                    break;
                case PickleOpcodes.Long1:
                    var n = Take(data, ref pos, 1, at)[0];
                    stack.Add(ReadLong(Take(data, ref pos, n, at), at));
                    break;
                case PickleOpcodes.BinFloat:
                    stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(data, ref pos, 8, at)));
                    break;
                case PickleOpcodes.ShortBinUnicode:
                    stack.Add(Utf8(Take(data, ref pos, Take(data, ref pos, 1, at)[0], at), at));
                    break;
                case PickleOpcodes.BinUnicode:
                    stack.Add(Utf8(Take(data, ref pos, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at)), at), at));
                    break;
                case PickleOpcodes.BinUnicode8:
                    stack.Add(Utf8(Take(data, ref pos, BinaryPrimitives.ReadUInt64LittleEndian(Take(data, ref pos, 8, at)), at), at));
                    break;
                case PickleOpcodes.EmptyDict:
                    stack.Add(new PickleDict());
                    break;
                case PickleOpcodes.EmptyList:
                    stack.Add(new List<object?>());
                    break;
                case PickleOpcodes.EmptyTuple:
                    stack.Add(Array.Empty<object?>());
                    break;
                case PickleOpcodes.Tuple1 or PickleOpcodes.Tuple2 or PickleOpcodes.Tuple3:
                    var count = op - PickleOpcodes.Tuple1 + 1;
                    if (stack.Count < count) throw Error(at, "tuple opcode on a short stack");
                    var items = stack.GetRange(stack.Count - count, count).ToArray();
                    if (items.Any(i => ReferenceEquals(i, MarkObject))) throw Error(at, "tuple opcode across a MARK");
                    stack.RemoveRange(stack.Count - count, count);
                    stack.Add(items);
                    break;
                case PickleOpcodes.Tuple:
                    stack.Add(PopToMark(stack, marks, at).ToArray());
                    break;
                case PickleOpcodes.SetItem:
                {
                    if (stack.Count < 3) throw Error(at, "SETITEM on a short stack");
                    var value = stack[^1];
                    var key = stack[^2];
                    stack.RemoveRange(stack.Count - 2, 2);
                    SetItem(stack[^1], key, value, at);
                    break;
                }
                case PickleOpcodes.SetItems:
                {
                    var pairs = PopToMark(stack, marks, at);
                    if (pairs.Count % 2 != 0) throw Error(at, "SETITEMS with an odd number of values");
                    if (stack.Count == 0) throw Error(at, "SETITEMS without a dict");
                    for (var i = 0; i < pairs.Count; i += 2) SetItem(stack[^1], pairs[i], pairs[i + 1], at);
                    break;
                }
                case PickleOpcodes.Append:
                {
                    if (stack.Count < 2) throw Error(at, "APPEND on a short stack");
                    var value = stack[^1];
                    stack.RemoveAt(stack.Count - 1);
                    AsList(stack[^1], at).Add(value);
                    break;
                }
                case PickleOpcodes.Appends:
                {
                    var values = PopToMark(stack, marks, at);
                    if (stack.Count == 0) throw Error(at, "APPENDS without a list");
                    AsList(stack[^1], at).AddRange(values);
                    break;
                }
                case PickleOpcodes.BinPut:
                    memo[Take(data, ref pos, 1, at)[0]] = Top(stack, at);
                    break;
                case PickleOpcodes.LongBinPut:
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at))] = Top(stack, at);
                    break;
                case PickleOpcodes.Memoize:
                    memo[memo.Count] = Top(stack, at);
                    break;
                case PickleOpcodes.BinGet:
                    stack.Add(Recall(memo, Take(data, ref pos, 1, at)[0], at));
                    break;
                case PickleOpcodes.LongBinGet:
                    stack.Add(Recall(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref pos, 4, at)), at));
                    break;
                case PickleOpcodes.Global:
                {
                    var module = ReadLine(data, ref pos, at);
                    var name = ReadLine(data, ref pos, at);
                    stack.Add(CheckGlobal(module, name, at));
                    break;
                }
                case PickleOpcodes.StackGlobal:
                {
                    if (stack.Count < 2 || stack[^2] is not string module || stack[^1] is not string name)
                        throw Error(at, "STACK_GLOBAL needs two strings on the stack");
                    stack.RemoveRange(stack.Count - 2, 2);
                    stack.Add(CheckGlobal(module, name, at));
                    break;
                }
                case PickleOpcodes.BinPersId:
                {
                    var pid = Pop(stack, at);
                    stack.Add(ToStorageRef(pid, at));
                    break;
                }
                case PickleOpcodes.Reduce:
                {
                    var args = Pop(stack, at);
                    var callable = Pop(stack, at);
                    stack.Add(Reduce(callable, args, at));
                    break;
                }
                default:
                    throw Error(at, $"opcode {PickleOpcodes.Describe(op)} is not allowed in a mask file");
            }
        }
    }

    private static PickleGlobal CheckGlobal(string module, string name, int at)
    {
        var full = $"{module}.{name}";
        if (full is RebuildTensor or OrderedDict) return new PickleGlobal(module, name);
        if (module == "torch" && StorageTypes.Contains(name)) return new PickleGlobal(module, name);
        throw Error(at, $"global '{full}' is not allowed (only {RebuildTensor}, {OrderedDict} and torch storage types)");
    }

    private static object Reduce(object? callable, object? args, int at)
    {
        if (callable is not PickleGlobal global) throw Error(at, "REDUCE on something that is not an allowed global");
        if (args is not object?[] tuple) throw Error(at, $"REDUCE of {global} without an argument tuple");
        switch (global.ToString())
        {
            case OrderedDict:
                if (tuple.Length != 0) throw Error(at, "collections.OrderedDict is only accepted with no arguments");
                return new PickleDict();
            case RebuildTensor:
                return ToTensorRef(tuple, at);
            default:
                throw Error(at, $"calling {global} is not allowed");
        }
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    private static PickleTensorRef ToTensorRef(object?[] args, int at)
    {
        if (args.Length is not (6 or 7))
            throw Error(at, $"{RebuildTensor} expects 6 or 7 arguments, got {args.Length}");
        if (args[0] is not PickleStorageRef storage) throw Error(at, $"{RebuildTensor}: argument 0 is not a storage");
        if (args[1] is not long offset || offset < 0) throw Error(at, $"{RebuildTensor}: storage offset is not a non-negative int");
        var size = IntTuple(args[2], "size", at);
        var stride = IntTuple(args[3], "stride", at);
        if (size.Length != stride.Length) throw Error(at, $"{RebuildTensor}: size has {size.Length} dims but stride has {stride.Length}");
        if (size.Any(s => s < 0) || stride.Any(s => s < 0)) throw Error(at, $"{RebuildTensor}: negative size or stride");
        if (args[4] is not bool requiresGrad) throw Error(at, $"{RebuildTensor}: requires_grad is not a bool");
        if (args[5] is not PickleDict hooks || hooks.Items.Count != 0)
            throw Error(at, $"{RebuildTensor}: backward hooks must be an empty OrderedDict");
        if (args.Length == 7 && args[6] is not (PickleDict or null))
            throw Error(at, $"{RebuildTensor}: tensor metadata must be a dict");
        return new PickleTensorRef(storage, offset, size, stride, requiresGrad);
    }

    private static long[] IntTuple(object? value, string what, int at)
    {
        if (value is not object?[] tuple) throw Error(at, $"{RebuildTensor}: {what} is not a tuple");
        var result = new long[tuple.Length];
        for (var i = 0; i < tuple.Length; i++)
            result[i] = tuple[i] as long? ?? throw Error(at, $"{RebuildTensor}: {what}[{i}] is not an int");
        return result;
    }

    // torch's persistent id for a storage: ("storage", torch.XStorage, key, location, numel)
    private static PickleStorageRef ToStorageRef(object? pid, int at)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
            throw Error(at, "persistent id is not a torch storage reference ('storage', type, key, location, numel)");
        if (t[1] is not PickleGlobal { Module: "torch" } type || !StorageTypes.Contains(type.Name))
            throw Error(at, "persistent id names no torch storage type");
        if (t[2] is not string key) throw Error(at, "storage key is not a str");
        if (t[3] is not string location) throw Error(at, "storage location is not a str");
        if (t[4] is not long numel || numel < 0) throw Error(at, "storage numel is not a non-negative int");
        return new PickleStorageRef(type.Name, key, location, numel);
    }

    private static void SetItem(object? target, object? key, object? value, int at)
    {
        if (target is not PickleDict dict) throw Error(at, "SETITEM(S) on something that is not a dict");
        if (key is not (string or long)) throw Error(at, "dict keys must be str or int");
        dict.Set(key, value);
    }

    private static List<object?> AsList(object? target, int at) =>
        target as List<object?> ?? throw Error(at, "APPEND(S) on something that is not a list");

    private static List<object?> PopToMark(List<object?> stack, Stack<int> marks, int at)
    {
        if (marks.Count == 0) throw Error(at, "opcode needs a MARK but there is none");
        var mark = marks.Pop();
        var items = stack.GetRange(mark + 1, stack.Count - mark - 1);
        stack.RemoveRange(mark, stack.Count - mark);
        if (items.Any(i => ReferenceEquals(i, MarkObject))) throw Error(at, "unbalanced MARK");
        return items;
    }

    private static object? Pop(List<object?> stack, int at)
    {
        var value = Top(stack, at);
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private static object? Top(List<object?> stack, int at)
    {
        if (stack.Count == 0) throw Error(at, "stack underflow");
        var value = stack[^1];
        if (ReferenceEquals(value, MarkObject)) throw Error(at, "a MARK where a value was expected");
        return value;
    }

    private static object? Recall(Dictionary<long, object?> memo, long index, int at) =>
        memo.TryGetValue(index, out var value) ? value : throw Error(at, $"memo entry {index} was never stored");

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int pos, ulong count, int at)
    {
        if (count > (ulong)(data.Length - pos)) throw Error(at, "the pickle ends in the middle of an opcode (truncated?)");
        var slice = data.Slice(pos, (int)count);
        pos += (int)count;
        return slice;
    }

    private static string ReadLine(ReadOnlySpan<byte> data, ref int pos, int at)
    {
        var end = data[pos..].IndexOf((byte)'\n');
        if (end < 0) throw Error(at, "GLOBAL without a newline-terminated name");
        var text = Encoding.ASCII.GetString(data.Slice(pos, end));
        pos += end + 1;
        return text;
    }

    private static string Utf8(ReadOnlySpan<byte> bytes, int at)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Error(at, "a string is not valid UTF-8"); }
    }

    private static long ReadLong(ReadOnlySpan<byte> bytes, int at)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        if (value < long.MinValue || value > long.MaxValue) throw Error(at, "an integer does not fit 64 bits");
        return (long)value;
    }

    private static PickleFormatException Error(int offset, string message) =>
        new($"{message} (pickle byte {offset})");
}
