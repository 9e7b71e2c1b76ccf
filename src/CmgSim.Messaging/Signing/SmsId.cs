namespace CmgSim.Messaging.Signing;

/// <summary>The SMS client id, <c>GUID:&lt;uppercase GUID&gt;</c> (client-protocols §3.1).</summary>
public static class SmsId
{
    public const string Prefix = "GUID:";

    public static string FromGuid(Guid id) => Prefix + id.ToString("D").ToUpperInvariant();

    /// <summary>Adds the prefix when missing and upper-cases; text that is not a GUID is kept as given (upper-cased).</summary>
    public static string Normalize(string smsId)
    {
        ArgumentNullException.ThrowIfNull(smsId);
        return TryParse(smsId, out var id) ? FromGuid(id) : smsId.Trim().ToUpperInvariant();
    }

    public static bool TryParse(string? smsId, out Guid id)
    {
        id = Guid.Empty;
        if (string.IsNullOrWhiteSpace(smsId))
        {
            return false;
        }

        var text = smsId.Trim();
        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }

        return Guid.TryParse(text, out id);
    }
}
