using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.LocationManager;

/// <summary>Collects every problem so a bad topology is fixed in one go.</summary>
internal sealed class LocationOptionsValidator : IValidateOptions<LocationOptions>
{
    public ValidateOptionsResult Validate(string? name, LocationOptions options)
    {
        var errors = new List<string>();
        if (options.CmgServiceName is { } service && Uri.CheckHostName(service) != UriHostNameType.Dns)
        {
            errors.Add($"Location:CmgServiceName must be a DNS host name (was '{service}').");
        }

        if (options.CmgPublicPort is { } port && port is < 1 or > 65535)
        {
            errors.Add($"Location:CmgPublicPort must be 1-65535 (was {port}).");
        }

        if (options.SoftwareUpdatePointEndpointId is <= 0)
        {
            errors.Add($"Location:SoftwareUpdatePointEndpointId must be positive (was {options.SoftwareUpdatePointEndpointId}).");
        }

        if (options.SoftwareUpdatePointUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"Location:SoftwareUpdatePointUrl must be an absolute http or https URL (was '{url}').");
        }

        if (options.DistributionPointFqdn is { } dp && Uri.CheckHostName(dp) != UriHostNameType.Dns)
        {
            errors.Add($"Location:DistributionPointFqdn must be a DNS host name (was '{dp}').");
        }

        if (options.CmgContentEnabled && options.CmgServiceName is null)
        {
            errors.Add("Location:CmgContentEnabled needs Location:CmgServiceName.");
        }

        if (options.SmsIssuingCertificate is { } issuing && issuing.GetRSAPublicKey() is null)
        {
            errors.Add("Location:SmsIssuingCertificate must have an RSA key.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
