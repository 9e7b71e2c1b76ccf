using System.Diagnostics;

namespace CmgSim.Identity.Pki;

/// <summary>File writes that another process never sees half-done, and a cross-process lock.</summary>
internal static class LabPkiFiles
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Writes to a temporary file and renames it over the target, so readers see old or new, never partial.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content, bool secret = false)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static void WriteAtomic(string path, string text, bool secret = false) =>
        WriteAtomic(path, System.Text.Encoding.ASCII.GetBytes(text), secret);

    /// <summary>
    /// Exclusive lock on <c>.lab-pki.lock</c> in the directory (flock on Unix, share mode on Windows),
    /// so two processes starting together do not both generate a PKI.
    /// </summary>
    public static FileStream AcquireLock(string directory)
    {
        var path = Path.Combine(directory, ".lab-pki.lock");
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (Stopwatch.GetElapsedTime(started) < LockTimeout)
            {
                // Real time on purpose: this waits for another process, not for simulated time.
                Task.Delay(50).GetAwaiter().GetResult();
            }
        }
    }
}
