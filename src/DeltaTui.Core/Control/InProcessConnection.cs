using System.IO.Pipelines;

namespace DeltaTui.Core.Control;

/// <summary>
/// A connection to a <see cref="ControlServer"/> inside the same process, through two in-memory pipes: the same protocol,
/// server and client as over the socket, for the train's own dashboard where the socket cannot be created (and for tests).
/// </summary>
public static class InProcessConnection
{
    public static Task<ControlClient> ConnectAsync(ControlServer server, CancellationToken cancellationToken = default)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        _ = server.ServeAsync(new DuplexStream(toServer.Reader.AsStream(), toClient.Writer.AsStream()), "in-process");
        return ControlClient.OverAsync(new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream()), cancellationToken);
    }

    private sealed class DuplexStream(Stream reading, Stream writing) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => writing.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => writing.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => reading.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => reading.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => writing.Write(buffer, offset, count);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => writing.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try { writing.Dispose(); } catch (InvalidOperationException) { }
                try { reading.Dispose(); } catch (InvalidOperationException) { }
            }
            base.Dispose(disposing);
        }
    }
}
