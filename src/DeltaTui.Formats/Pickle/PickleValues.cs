namespace DeltaTui.Formats.Pickle;

/// <summary>A module-level name the pickle refers to; never resolved to anything executable.</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A dict as the pickle built it, in insertion order (keys are str or int in the layouts we accept).</summary>
public sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];

    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    public void Set(object key, object? value)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (Equals(_items[i].Key, key))
            {
                _items[i] = new(key, value);
                return;
            }
        }
        _items.Add(new(key, value));
    }
}

/// <summary>A storage named by a torch persistent id: ("storage", torch.XStorage, key, location, numel).</summary>
public sealed record PickleStorageRef(string StorageType, string Key, string Location, long Numel);

/// <summary>What torch._utils._rebuild_tensor_v2 would rebuild: a strided view into a storage.</summary>
public sealed record PickleTensorRef(PickleStorageRef Storage, long StorageOffset, long[] Size, long[] Stride, bool RequiresGrad);

public sealed class PickleFormatException(string message) : Exception(message);
