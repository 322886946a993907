namespace DeltaTui.Formats.Pickle;

/// <summary>The pickle opcodes this project writes or accepts (names as in Python's pickletools).</summary>
internal static class PickleOpcodes
{
    public const byte Mark = (byte)'(';
    public const byte Stop = (byte)'.';
    public const byte BinInt = (byte)'J';
    public const byte BinInt1 = (byte)'K';
    public const byte BinInt2 = (byte)'M';
    public const byte Long1 = 0x8a;
    public const byte BinFloat = (byte)'G';
    public const byte None = (byte)'N';
    public const byte NewTrue = 0x88;
    public const byte NewFalse = 0x89;
    public const byte BinUnicode = (byte)'X';
    public const byte ShortBinUnicode = 0x8c;
    public const byte BinUnicode8 = 0x8d;
    public const byte EmptyDict = (byte)'}';
    public const byte EmptyList = (byte)']';
    public const byte EmptyTuple = (byte)')';
    public const byte Tuple = (byte)'t';
    public const byte Tuple1 = 0x85;
    public const byte Tuple2 = 0x86;
    public const byte Tuple3 = 0x87;
    public const byte SetItem = (byte)'s';
    public const byte SetItems = (byte)'u';
    public const byte Append = (byte)'a';
    public const byte Appends = (byte)'e';
    public const byte Global = (byte)'c';
    public const byte StackGlobal = 0x93;
    public const byte Reduce = (byte)'R';
    public const byte BinPersId = (byte)'Q';
    public const byte BinPut = (byte)'q';
    public const byte LongBinPut = (byte)'r';
    public const byte Memoize = 0x94;
    public const byte BinGet = (byte)'h';
    public const byte LongBinGet = (byte)'j';
    public const byte Proto = 0x80;
    public const byte Frame = 0x95;

    /// <summary>Python's name for an opcode, for error messages.</summary>
    public static string Describe(byte opcode) => opcode switch
    {
        (byte)'c' => "GLOBAL",
        (byte)'i' => "INST",
        (byte)'o' => "OBJ",
        0x81 => "NEWOBJ",
        0x92 => "NEWOBJ_EX",
        (byte)'b' => "BUILD",
        (byte)'P' => "PERSID",
        (byte)'R' => "REDUCE",
        (byte)'S' => "STRING",
        (byte)'V' => "UNICODE",
        (byte)'I' => "INT",
        (byte)'L' => "LONG",
        (byte)'F' => "FLOAT",
        (byte)'T' => "BINSTRING",
        (byte)'U' => "SHORT_BINSTRING",
        (byte)'B' => "BINBYTES",
        (byte)'C' => "SHORT_BINBYTES",
        0x8b => "LONG4",
        0x82 => "EXT1",
        0x83 => "EXT2",
        0x84 => "EXT4",
        0x8f => "EMPTY_SET",
        0x90 => "ADDITEMS",
        0x91 => "FROZENSET",
        0x96 => "BYTEARRAY8",
        0x97 => "NEXT_BUFFER",
        0x98 => "READONLY_BUFFER",
        (byte)'l' => "LIST",
        (byte)'d' => "DICT",
        (byte)'0' => "POP",
        (byte)'1' => "POP_MARK",
        (byte)'2' => "DUP",
        (byte)'g' => "GET",
        (byte)'p' => "PUT",
        _ => $"0x{opcode:x2}",
    };
}
