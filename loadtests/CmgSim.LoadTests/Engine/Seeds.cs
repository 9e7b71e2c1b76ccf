namespace CmgSim.LoadTests.Engine;

/// <summary>Stable seed derivation (string.GetHashCode is randomised per process, so FNV-1a and SplitMix64 instead).</summary>
internal static class Seeds
{
    public static int Derive(int runSeed, string scope, long index = 0)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in scope)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        var x = hash ^ ((ulong)(uint)runSeed * 0x9E3779B97F4A7C15UL) ^ ((ulong)index * 0xBF58476D1CE4E5B9UL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x ^ (x >> 32));
    }
}
