using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint;

/// <summary>Collects every problem so a bad configuration is fixed in one go, not one error per start.</summary>
internal sealed class ManagementPointOptionsValidator : IValidateOptions<ManagementPointOptions>
{
    public ValidateOptionsResult Validate(string? name, ManagementPointOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SiteCode) || options.SiteCode.Length != 3 || !options.SiteCode.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"ManagementPoint:SiteCode must be three letters or digits (was '{options.SiteCode}').");
        }

        if (string.IsNullOrWhiteSpace(options.SiteName))
        {
            errors.Add("ManagementPoint:SiteName must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Fqdn) || Uri.CheckHostName(options.Fqdn) != UriHostNameType.Dns)
        {
            errors.Add($"ManagementPoint:Fqdn must be a DNS host name (was '{options.Fqdn}').");
        }

        if (options.BuildNumber <= 0)
        {
            errors.Add($"ManagementPoint:BuildNumber must be positive (was {options.BuildNumber}).");
        }

        if (options.SslState < 0)
        {
            errors.Add($"ManagementPoint:SslState must not be negative (was {options.SslState}).");
        }

        if (options.MaxMessageBytes <= 0)
        {
            errors.Add($"ManagementPoint:MaxMessageBytes must be positive (was {options.MaxMessageBytes}).");
        }

        if (options.SiteSigningCertificate is { } certificate && certificate.GetRSAPublicKey() is null)
        {
            errors.Add("ManagementPoint:SiteSigningCertificate must have an RSA key (the trusted root key is a CryptoAPI RSA blob).");
        }

        if (options.SiteDatabasePath is { } databasePath
            && (string.IsNullOrWhiteSpace(databasePath) || Path.GetDirectoryName(Path.GetFullPath(databasePath)) is not { } directory || !Directory.Exists(directory)))
        {
            errors.Add($"ManagementPoint:SiteDatabasePath must be a file in an existing folder (was '{databasePath}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
