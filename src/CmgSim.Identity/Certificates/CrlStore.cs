using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace CmgSim.Identity.Certificates;

/// <summary>CRLs currently usable, plus why a configured file contributed none (for detail strings).</summary>
internal sealed record CrlSnapshot(IReadOnlyList<CertificateRevocationList> Crls, IReadOnlyList<string> Problems, long Version)
{
    public static readonly CrlSnapshot Empty = new([], [], 0);
}

/// <summary>
/// Caches parsed CRL files keyed by size and last-write time: a call costs one stat per file,
/// and a file is read again only after it changed (LabPki.Revoke replaces it atomically).
/// </summary>
internal sealed class CrlStore
{
    private readonly string[] _paths;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly FileState?[] _states;
    private CrlSnapshot _snapshot = CrlSnapshot.Empty;

    public CrlStore(IEnumerable<string> paths, ILogger logger)
    {
        _paths = paths.Select(Path.GetFullPath).ToArray();
        _states = new FileState?[_paths.Length];
        _logger = logger;
    }

    public CrlSnapshot GetCurrent()
    {
        lock (_gate)
        {
            var changed = false;
            for (var i = 0; i < _paths.Length; i++)
            {
                var info = new FileInfo(_paths[i]);
                var stamp = info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : FileStamp.Missing;
                if (_states[i] is { } state && state.Stamp == stamp)
                {
                    continue;
                }

                _states[i] = Load(_paths[i], stamp);
                changed = true;
            }

            if (changed)
            {
                _snapshot = new CrlSnapshot(
                    _states.SelectMany(s => s!.Crls).ToArray(),
                    _states.Where(s => s!.Problem is not null).Select(s => s!.Problem!).ToArray(),
                    _snapshot.Version + 1);
            }

            return _snapshot;
        }
    }

    private FileState Load(string path, FileStamp stamp)
    {
        if (stamp == FileStamp.Missing)
        {
            var missing = $"CRL file {path} does not exist";
            ValidatorLog.CrlUnusable(_logger, path, missing);
            return new FileState(stamp, [], missing);
        }

        try
        {
            var crls = CertificateRevocationList.ParseFile(File.ReadAllBytes(path), path);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                foreach (var crl in crls)
                {
                    var number = crl.CrlNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
                    ValidatorLog.CrlLoaded(_logger, path, crl.Issuer.Name, number, crl.RevokedCount, crl.NextUpdate);
                }
            }

            return new FileState(stamp, crls, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException)
        {
            var problem = $"CRL file {path} cannot be read: {ex.Message}";
            ValidatorLog.CrlUnusable(_logger, path, ex.Message);
            return new FileState(stamp, [], problem);
        }
    }

    private readonly record struct FileStamp(DateTime LastWriteUtc, long Length)
    {
        public static readonly FileStamp Missing = new(DateTime.MinValue, -1);
    }

    private sealed record FileState(FileStamp Stamp, IReadOnlyList<CertificateRevocationList> Crls, string? Problem);
}
