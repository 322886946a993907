namespace DeltaTui.Formats.Tokenization;

/// <summary>
/// Scratch arrays for merging one piece: a doubly linked list of symbols over arrays and the merge queue.
/// One per Encode call, so encoding is safe from several threads.
/// </summary>
internal sealed class BpeWorkspace
{
    public int[] Ids = new int[64];
    public int[] Prev = new int[64];
    public int[] Next = new int[64];
    public bool[] Alive = new bool[64];
    public readonly MergeQueue Queue = new();

    public int Count { get; private set; }

    public void Reset(int capacity)
    {
        if (Ids.Length < capacity)
        {
            var size = Math.Max(capacity, Ids.Length * 2);
            Ids = new int[size];
            Prev = new int[size];
            Next = new int[size];
            Alive = new bool[size];
        }
        Count = 0;
    }

    public void Add(int id)
    {
        var i = Count++;
        Ids[i] = id;
        Prev[i] = i - 1;
        Next[i] = i + 1;
        Alive[i] = true;
    }
}
