using System.Collections.Concurrent;

namespace CmgSim.Identity.Tokens;

/// <summary>
/// Successful validations per token string, each until the token's exp, so a VM instance that sees the same CCM
/// token on every request of a client verifies its RSA signature once. Bounded: when full, expired entries go
/// first, then arbitrary ones down to 90 % of the capacity.
/// </summary>
internal sealed class ValidatedTokenCache(int capacity)
{
    private readonly ConcurrentDictionary<string, BearerTokenValidationResult> _entries = new(StringComparer.Ordinal);
    private readonly Lock _trimGate = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public bool TryGet(string token, DateTimeOffset now, out BearerTokenValidationResult result)
    {
        if (_entries.TryGetValue(token, out var cached))
        {
            if (cached.ValidTo > now)
            {
                result = cached;
                return true;
            }

            Remove(token);
        }

        result = null!;
        return false;
    }

    public void Add(string token, BearerTokenValidationResult result, DateTimeOffset now)
    {
        if (capacity <= 0 || result.ValidTo is not { } validTo || validTo <= now)
        {
            return;
        }

        if (Volatile.Read(ref _count) >= capacity)
        {
            Trim(now);
        }

        if (_entries.TryAdd(token, result))
        {
            Interlocked.Increment(ref _count);
        }
    }

    private void Trim(DateTimeOffset now)
    {
        lock (_trimGate)
        {
            if (Volatile.Read(ref _count) < capacity)
            {
                return;
            }

            foreach (var (token, cached) in _entries)
            {
                if (cached.ValidTo <= now)
                {
                    Remove(token);
                }
            }

            var target = capacity * 9 / 10;
            foreach (var token in _entries.Keys)
            {
                if (Volatile.Read(ref _count) <= target)
                {
                    break;
                }

                Remove(token);
            }
        }
    }

    private void Remove(string token)
    {
        if (_entries.TryRemove(token, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
