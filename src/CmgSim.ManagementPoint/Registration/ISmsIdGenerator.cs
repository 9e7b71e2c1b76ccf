namespace CmgSim.ManagementPoint.Registration;

/// <summary>Makes the GUID of a server-assigned SMSID; replace it to get predictable ids in tests.</summary>
public interface ISmsIdGenerator
{
    Guid NewGuid();
}

internal sealed class RandomSmsIdGenerator : ISmsIdGenerator
{
    public Guid NewGuid() => Guid.NewGuid();
}
