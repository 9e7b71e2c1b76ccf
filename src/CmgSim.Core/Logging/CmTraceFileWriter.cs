using System.Text;
using System.Threading.Channels;

namespace CmgSim.Core.Logging;

/// <summary>
/// Owns the log files. Callers enqueue records; one background task formats and appends them, so at most one
/// thread touches the files and no locks are needed.
/// </summary>
internal sealed class CmTraceFileWriter : IDisposable, IAsyncDisposable
{
    /// <summary>
    /// Records the queue holds before <see cref="Enqueue"/> blocks. Logs must not be dropped, and an unbounded queue
    /// would let a load test that outruns the disk grow memory without limit; so the queue is large and bounded, and
    /// a caller waits only when the disk is this many records behind.
    /// </summary>
    internal const int QueueCapacity = 65_536;

    private const string RolledExtension = ".lo_";

    private readonly Channel<CmTraceEntry> _queue;
    private readonly string _directory;
    private readonly long _maxFileBytes;
    private readonly Dictionary<string, OpenFile> _files = new(StringComparer.Ordinal);
    private readonly StringBuilder _record = new(512);
    private readonly Task _writerTask;
    private byte[] _bytes = new byte[2048];
    private long _failedWrites;

    public CmTraceFileWriter(string directory, long maxFileBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFileBytes);
        _directory = Path.GetFullPath(string.IsNullOrEmpty(directory) ? "." : directory);
        _maxFileBytes = maxFileBytes;
        _queue = Channel.CreateBounded<CmTraceEntry>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _writerTask = Task.Run(WriteLoopAsync);
    }

    public string Directory => _directory;

    /// <summary>Records lost to I/O errors (full disk, files deleted under us); logging itself cannot report them.</summary>
    public long FailedWrites => Interlocked.Read(ref _failedWrites);

    public void Enqueue(in CmTraceEntry entry)
    {
        if (_queue.Writer.TryWrite(entry))
        {
            return;
        }

        try
        {
            // Full: wait for the writer rather than lose the record (see QueueCapacity).
            _queue.Writer.WriteAsync(entry).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            // Logged after dispose: the files are closed, nowhere left to write.
        }
    }

    /// <summary>Writes everything queued so far, then closes the files. Later records are ignored.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writerTask.GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writerTask.ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var entry))
                {
                    Write(entry);
                }

                // Flush per batch, not per record: tailing tools see lines promptly, bursts still coalesce.
                FlushAll();
            }
        }
        finally
        {
            CloseAll();
        }
    }

    private void Write(in CmTraceEntry entry)
    {
        _record.Clear();
        CmTraceFormatter.Append(_record, entry.Message, entry.ExceptionText, entry.Component, entry.Level, entry.Time, entry.ThreadId);
        var length = Encode();

        OpenFile? file = null;
        try
        {
            file = GetOrOpen(entry.FileName);
            if (file.Length > 0 && file.Length + length > _maxFileBytes)
            {
                file = Roll(file);
            }

            file.Stream.Write(_bytes, 0, length);
            file.Length += length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _failedWrites);
            if (file is not null)
            {
                // Reopen on the next record, in case the directory was removed or the disk freed up.
                _files.Remove(entry.FileName);
                DisposeQuietly(file);
            }
        }
    }

    private int Encode()
    {
        var needed = Encoding.UTF8.GetMaxByteCount(_record.Length);
        if (_bytes.Length < needed)
        {
            _bytes = new byte[Math.Max(needed, _bytes.Length * 2)];
        }

        var written = 0;
        foreach (var chunk in _record.GetChunks())
        {
            written += Encoding.UTF8.GetBytes(chunk.Span, _bytes.AsSpan(written));
        }

        return written;
    }

    private OpenFile GetOrOpen(string fileName)
    {
        if (_files.TryGetValue(fileName, out var file))
        {
            return file;
        }

        file = Open(fileName, Path.Combine(_directory, fileName));
        _files[fileName] = file;
        return file;
    }

    private static OpenFile Open(string key, string path)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // Append: a restarted simulator continues the file. ReadWrite sharing lets viewers tail it while we write.
        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 64 * 1024);
        return new OpenFile(key, path, stream) { Length = stream.Length };
    }

    private OpenFile Roll(OpenFile file)
    {
        file.Stream.Dispose();
        _files.Remove(file.Key);

        // The product keeps one generation: the previous .lo_ is replaced.
        File.Move(file.Path, Path.ChangeExtension(file.Path, RolledExtension), overwrite: true);
        var reopened = Open(file.Key, file.Path);
        _files[file.Key] = reopened;
        return reopened;
    }

    private void FlushAll()
    {
        foreach (var (name, file) in _files)
        {
            try
            {
                file.Stream.Flush();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _failedWrites);
                _files.Remove(name);
                DisposeQuietly(file);
            }
        }
    }

    private void CloseAll()
    {
        foreach (var file in _files.Values)
        {
            DisposeQuietly(file);
        }

        _files.Clear();
    }

    private void DisposeQuietly(OpenFile file)
    {
        try
        {
            file.Stream.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Dispose flushes; the buffered records are lost.
            Interlocked.Increment(ref _failedWrites);
        }
    }

    private sealed class OpenFile(string key, string path, FileStream stream)
    {
        public string Key { get; } = key;

        public string Path { get; } = path;

        public FileStream Stream { get; } = stream;

        public long Length { get; set; }
    }
}
