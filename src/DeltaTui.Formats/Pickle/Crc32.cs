namespace DeltaTui.Formats.Pickle;

/// <summary>CRC-32 (IEEE, as zip uses it), slice-by-8 so a few hundred MB of mask bytes take well under a second.</summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        var t = Table;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var one = c ^ (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            var two = (uint)(data[i + 4] | data[i + 5] << 8 | data[i + 6] << 16 | data[i + 7] << 24);
            c = t[7 * 256 + (one & 0xFF)] ^ t[6 * 256 + ((one >> 8) & 0xFF)]
                ^ t[5 * 256 + ((one >> 16) & 0xFF)] ^ t[4 * 256 + (one >> 24)]
                ^ t[3 * 256 + (two & 0xFF)] ^ t[2 * 256 + ((two >> 8) & 0xFF)]
                ^ t[1 * 256 + ((two >> 16) & 0xFF)] ^ t[two >> 24];
        }
        for (; i < data.Length; i++) c = t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        for (var n = 0; n < 256; n++)
            for (var s = 1; s < 8; s++)
                table[s * 256 + n] = (table[(s - 1) * 256 + n] >> 8) ^ table[table[(s - 1) * 256 + n] & 0xFF];
        return table;
    }
}
