namespace DeltaTui.Telemetry;

/// <summary>
/// nvmlClocksEventReason* bits (formerly "throttle reasons") and the names shown to users.
/// The names are static, so a reading with reasons allocates only its list.
/// </summary>
public static class ClockEventReasons
{
    private static readonly (ulong Bit, string Name)[] Known =
    [
        (0x0000000000000001UL, "GpuIdle"),
        (0x0000000000000002UL, "ApplicationsClocksSetting"),
        (0x0000000000000004UL, "SwPowerCap"),
        (0x0000000000000008UL, "HwSlowdown"),
        (0x0000000000000010UL, "SyncBoost"),
        (0x0000000000000020UL, "SwThermalSlowdown"),
        (0x0000000000000040UL, "HwThermalSlowdown"),
        (0x0000000000000080UL, "HwPowerBrakeSlowdown"),
        (0x0000000000000100UL, "DisplayClockSetting"),
    ];

    /// <summary>Names of the set bits, in bit order; unknown bits become "Unknown0x...".</summary>
    public static IReadOnlyList<string> Names(ulong reasons)
    {
        if (reasons == 0) return [];
        var names = new List<string>(4);
        var rest = reasons;
        foreach (var (bit, name) in Known)
        {
            if ((reasons & bit) == 0) continue;
            names.Add(name);
            rest &= ~bit;
        }
        if (rest != 0) names.Add("Unknown0x" + rest.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        return names;
    }
}
