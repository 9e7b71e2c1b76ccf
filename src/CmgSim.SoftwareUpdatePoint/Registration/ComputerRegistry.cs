using System.Collections.Concurrent;

namespace CmgSim.SoftwareUpdatePoint.Registration;

/// <summary>What RegisterComputer told the SUP about a client (the fields the simulator uses).</summary>
public sealed record ComputerRegistration(string ClientId, string DnsName, int OSMajorVersion, int OSMinorVersion, int OSBuildNumber, string? ProcessorArchitecture, DateTimeOffset RegisteredAt);

/// <summary>Registrations per client id (the id sealed in the cookie). In memory: a SUP restart forgets them, and WUA re-registers on RegistrationRequired.</summary>
public sealed class ComputerRegistry
{
    private readonly ConcurrentDictionary<string, ComputerRegistration> _computers = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _computers.Count;

    public void Register(ComputerRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        _computers[registration.ClientId] = registration;
    }

    public ComputerRegistration? Find(string clientId) => _computers.GetValueOrDefault(clientId);
}
