using CmgSim.ManagementPoint.LocationManager;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Authority;

/// <summary>
/// User device affinity as <c>GETCLIENTAFFINITY</c> reads it. An interface so the site database can
/// answer from registrations later (register it before <c>AddManagementPoint</c>; the default is TryAdd).
/// </summary>
public interface IUserDeviceAffinitySource
{
    /// <returns>The primary user (<c>DOMAIN\user</c>) of the device <paramref name="smsId"/>, or null.</returns>
    string? GetPrimaryUser(string smsId);
}

/// <summary>The default: <see cref="LocationOptions.PrimaryUsers"/>.</summary>
internal sealed class OptionsUserDeviceAffinitySource(IOptions<LocationOptions> options) : IUserDeviceAffinitySource
{
    public string? GetPrimaryUser(string smsId) =>
        options.Value.PrimaryUsers.TryGetValue(smsId, out var user) ? user : null;
}
