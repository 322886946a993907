using System.Text;
using DeltaTui.Telemetry;
using Xunit;

namespace DeltaTui.Training.Tests.Telemetry;

public class ProcParsingTests
{
    private const string StatEarlier = "cpu  100 20 30 800 50 5 5 0 10 0\ncpu0 50 10 15 400 25 2 2 0 5 0\nintr 12345 1 2 3\n";
    private const string StatLater = "cpu  160 20 50 900 60 5 5 0 0 0\ncpu0 80 10 25 450 30 2 2 0 0 0\nintr 12400 1 2 3\n";
    private const string Meminfo = "MemTotal:       16303376 kB\nMemFree:         1000000 kB\nMemAvailable:    8151688 kB\nBuffers:          123 kB\n";

    [Fact]
    public void Given_a_proc_stat_text_When_parsed_Then_total_sums_eight_fields_and_idle_includes_iowait()
    {
        Assert.True(CpuTimes.TryParse(Encoding.ASCII.GetBytes(StatEarlier), out var t));
        Assert.Equal(100UL + 20 + 30 + 800 + 50 + 5 + 5 + 0, t.Total);
        Assert.Equal(850UL, t.Idle);
    }

    [Fact]
    public void Given_two_proc_stat_readings_When_comparing_Then_busy_percent_is_the_non_idle_share_of_the_delta()
    {
        CpuTimes.TryParse(Encoding.ASCII.GetBytes(StatEarlier), out var a);
        CpuTimes.TryParse(Encoding.ASCII.GetBytes(StatLater), out var b);

        // delta total 1200 - 1010 = 190, delta idle 960 - 850 = 110: busy 80 of 190.
        Assert.Equal(100.0 * 80 / 190, CpuTimes.BusyPercent(a, b)!.Value, 9);
        Assert.Null(CpuTimes.BusyPercent(b, b));
        Assert.Null(CpuTimes.BusyPercent(b, a));
    }

    [Theory]
    [InlineData("")]
    [InlineData("cpu0 1 2 3 4\n")]
    [InlineData("cpu  1 2 x\n")]
    [InlineData("cpu  99999999999999999999999 1 1 1\n")]
    public void Given_a_malformed_proc_stat_When_parsed_Then_it_is_rejected_without_throwing(string text)
    {
        Assert.False(CpuTimes.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Given_a_meminfo_text_When_parsed_Then_kilobytes_become_bytes()
    {
        Assert.True(MemInfo.TryParse(Encoding.ASCII.GetBytes(Meminfo), out var m));
        Assert.Equal(16303376L * 1024, m.TotalBytes);
        Assert.Equal(8151688L * 1024, m.AvailableBytes);
    }

    [Fact]
    public void Given_a_meminfo_of_an_old_kernel_without_MemAvailable_When_parsed_Then_available_is_unknown()
    {
        Assert.True(MemInfo.TryParse("MemTotal: 2048 kB\nMemFree: 1024 kB\n"u8, out var m));
        Assert.Equal(2048L * 1024, m.TotalBytes);
        Assert.Null(m.AvailableBytes);
        Assert.False(MemInfo.TryParse("MemFree: 1024 kB\n"u8, out _));
    }

    [Fact]
    public void Given_a_statm_text_When_parsed_Then_rss_is_resident_pages_times_page_size()
    {
        Assert.True(ProcessMemory.TryParseStatmRss("12345 6789 100 10 0 2000 0\n"u8, 4096, out var rss));
        Assert.Equal(6789L * 4096, rss);
        Assert.False(ProcessMemory.TryParseStatmRss("12345\n"u8, 4096, out _));
    }

    [Fact]
    public void Given_a_proc_folder_of_sample_files_When_read_twice_Then_the_second_snapshot_has_cpu_percent()
    {
        var root = Directory.CreateTempSubdirectory("proc-sample").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "self"));
            File.WriteAllText(Path.Combine(root, "stat"), StatEarlier);
            File.WriteAllText(Path.Combine(root, "meminfo"), Meminfo);
            File.WriteAllText(Path.Combine(root, "self", "statm"), "12345 6789 100 10 0 2000 0\n");
            using var reader = new HostReader(root);

            var first = reader.Read(DateTimeOffset.UnixEpoch);
            File.WriteAllText(Path.Combine(root, "stat"), StatLater);
            var second = reader.Read(DateTimeOffset.UnixEpoch.AddSeconds(1));

            Assert.Null(first.CpuPercent);
            Assert.Equal(100.0 * 80 / 190, second.CpuPercent!.Value, 9);
            Assert.Equal(6789L * Environment.SystemPageSize, second.ProcessRssBytes);
            Assert.Equal(8151688L * 1024, second.MemoryAvailableBytes);
            Assert.Equal(16303376L * 1024, second.MemoryTotalBytes);
            Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), second.Time);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Given_a_proc_folder_without_the_files_When_read_Then_every_field_is_null_and_the_reason_names_the_file()
    {
        var root = Path.Combine(Path.GetTempPath(), "no-such-proc-" + Guid.NewGuid().ToString("N"));
        using var reader = new HostReader(root);

        var snapshot = reader.Read(DateTimeOffset.UnixEpoch);

        Assert.Null(snapshot.CpuPercent);
        Assert.Null(snapshot.ProcessRssBytes);
        Assert.Null(snapshot.MemoryAvailableBytes);
        Assert.Null(snapshot.MemoryTotalBytes);
        Assert.Contains(Path.Combine(root, "stat"), reader.LastError);
    }

    [Fact]
    public void Given_the_real_proc_When_read_twice_Then_this_process_has_a_positive_rss_below_total_memory()
    {
        using var reader = new HostReader();
        reader.Read(DateTimeOffset.UtcNow);
        Thread.Sleep(100);
        var s = reader.Read(DateTimeOffset.UtcNow);

        Assert.InRange(s.ProcessRssBytes!.Value, 1L << 20, s.MemoryTotalBytes!.Value);
        Assert.InRange(s.MemoryAvailableBytes!.Value, 0, s.MemoryTotalBytes!.Value);
        Assert.InRange(s.CpuPercent!.Value, 0.0, 100.0);
    }

    [Fact]
    public void Given_work_and_a_collection_between_two_reads_When_read_Then_process_cpu_time_and_gc_pause_time_grow()
    {
        using var reader = new HostReader();
        var before = reader.Read(DateTimeOffset.UtcNow);
        var spin = System.Diagnostics.Stopwatch.StartNew();
        var sink = 0.0;
        while (spin.ElapsedMilliseconds < 50) sink += Math.Sqrt(spin.ElapsedTicks);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var after = reader.Read(DateTimeOffset.UtcNow);

        Assert.True(sink > 0);
        Assert.True(after.ProcessCpuSeconds > before.ProcessCpuSeconds, $"cpu {before.ProcessCpuSeconds} -> {after.ProcessCpuSeconds}");
        Assert.True(after.GcPauseMilliseconds > before.GcPauseMilliseconds, $"gc pause {before.GcPauseMilliseconds} -> {after.GcPauseMilliseconds}");
    }
}
