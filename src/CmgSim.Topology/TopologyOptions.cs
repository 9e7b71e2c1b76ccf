using CmgSim.CloudService.Capacity;
using CmgSim.ConnectionPoint;
using CmgSim.Core;
using CmgSim.Identity.Pki;
using CmgSim.Topology.Roles;

namespace CmgSim.Topology;

/// <summary>The shape of a simulated CMG and its site, as <c>cmgsim up</c> runs it.</summary>
public sealed class TopologyOptions
{
    /// <summary>The lab folder: PKI, logs, site database and topology.json.</summary>
    public string LabDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, "lab");

    /// <summary>The CMG service name (CN of the server-auth certificate), in the product's style.</summary>
    public string ServiceName { get; set; } = RoleLabSettings.DefaultServiceName;

    public string SiteCode { get; set; } = RoleLabSettings.DefaultSiteCode;

    /// <summary>The public HTTPS port every VM instance shares. 0 picks a free port. Default 8443.</summary>
    public int PublicPort { get; set; } = PortPlan.Public;

    /// <summary>VM instances of the cloud service, 1 to 16. Default 1. <see cref="LabTopology.AddVmInstanceAsync"/> changes it while running.</summary>
    public int Instances { get; set; } = 1;

    /// <summary>The most VM instances a CMG has (cmg-facts §4.1).</summary>
    public const int MaxInstances = PortPlan.MaxInstances;

    /// <summary>
    /// The VM size of every instance, a <see cref="VmSizeProfiles"/> name: lab (10 client connections per
    /// instance), standard (6,000; the default), large (10,000), vmss-2103 (2,000), classic (6,000).
    /// </summary>
    public string VmSize { get; set; } = VmSizeProfiles.DefaultName;

    /// <summary>What a VM instance does past its supported client connections: delay requests (default) or refuse them.</summary>
    public OverloadMode OverloadMode { get; set; } = OverloadMode.Delay;

    /// <summary>Fine-tunes the overload delay (step, per percent, maximum) after <see cref="VmSize"/> and <see cref="OverloadMode"/> are applied.</summary>
    public Action<CapacityOptions>? ConfigureCapacity { get; set; }

    /// <summary>
    /// Local ports each connection point may hold toward the MP and SUP at once (one per forwarded request in
    /// flight). Default 16,384, Windows Server's default dynamic port range (cmg-facts §4.5).
    /// </summary>
    public int SiteRolePortBudget { get; set; } = ConnectionPointOptions.DefaultSiteRolePortBudget;

    /// <summary>
    /// The channel port of VM instance 1; instance n uses base + n − 1 (the product's 10124–10139 for two
    /// or more instances). 0 picks free ports. Default 10124.
    /// </summary>
    public int ChannelPortBase { get; set; } = PortPlan.ChannelBase;

    /// <summary>Connection points of the site. Default 1.</summary>
    public int ConnectionPoints { get; set; } = 1;

    /// <summary>Channels each connection point keeps to each VM instance. Default 2 (one active, one standby).</summary>
    public int ChannelsPerInstance { get; set; } = 2;

    /// <summary>The connection points' channel check (HTTP/2 PING) interval. The product checks every minute.</summary>
    public TimeSpan ChannelCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Client-auth certificates to issue for simulated clients. Default 3.</summary>
    public int ClientCount { get; set; } = RoleLabSettings.DefaultClientCount;

    public LabKeyAlgorithm KeyAlgorithm { get; set; } = LabKeyAlgorithm.EcdsaP256;

    /// <summary>"Verify client certificate revocation" of the CMG; on by default as in the product.</summary>
    public bool VerifyClientCertificateRevocation { get; set; } = true;

    /// <summary>The management point's HTTPS port. 0 picks a free port.</summary>
    public int ManagementPointPort { get; set; }

    /// <summary>The software update point's HTTPS port (8531 in the product). 0 picks a free port.</summary>
    public int SoftwareUpdatePointPort { get; set; }

    /// <summary>
    /// Run the local Microsoft Entra tenant and onboard it (Entra device and user tokens on ServerAuth URLs).
    /// On by default, as Microsoft recommends Entra join (cmg-facts §2.1).
    /// </summary>
    public bool EnableEntra { get; set; } = true;

    /// <summary>The local Entra tenant's HTTPS port. 0 (the default) picks a free port; topology.json says which.</summary>
    public int EntraPort { get; set; }

    /// <summary>Accept site-issued tokens (bulk registration, client and CCM tokens). On by default, as in the product (2002+).</summary>
    public bool EnableSiteTokens { get; set; } = true;

    public long ManagementPointEndpointId { get; set; } = EndpointIds.DefaultManagementPoint;

    public long SoftwareUpdatePointEndpointId { get; set; } = EndpointIds.DefaultSoftwareUpdatePoint;

    public string ManagementPointFqdn { get; set; } = RoleLabSettings.DefaultManagementPointFqdn;

    /// <summary>How long a VM instance keeps an idle channel connection. Must be below <see cref="ChannelKeepAliveTimeout"/>.</summary>
    public TimeSpan IdleChannelTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The connection points' Kestrel keep-alive timeout for channel connections. Default 30 days, in effect
    /// never: standby channels carry no requests, and closing them from the connection point side would race
    /// the VM instance taking one; dead channels are found by the channel check instead. (Kestrel has no
    /// infinite keep-alive: <c>Timeout.InfiniteTimeSpan</c> closes connections at once.)
    /// </summary>
    public TimeSpan ChannelKeepAliveTimeout { get; set; } = TimeSpan.FromDays(30);

    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the MP or SUP has to answer the connection point. Default 30 s.</summary>
    public TimeSpan SiteRoleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the connection point fails fast toward a site role after repeated failures. Default 5 s.</summary>
    public TimeSpan SiteRoleBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long each role drains in-flight requests when stopping. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long start-up waits for every connection point to hold a channel to every VM instance.</summary>
    public TimeSpan ReadyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Request headers the MP's IIS log records as <c>cs(Header)</c> fields. Default: the headers a CMG must pass
    /// untouched (cmg-facts §10.7). Authorization is left out by default: tokens do not belong in a log file.
    /// </summary>
    public IList<string> ManagementPointIisLogHeaders { get; } = new List<string>(ManagementPointRoleSettings.DefaultIisLogHeaders);

    /// <summary>Every problem with these options at once; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(LabDirectory))
        {
            errors.Add("LabDirectory is required.");
        }

        if (string.IsNullOrWhiteSpace(ServiceName) || Uri.CheckHostName(ServiceName) != UriHostNameType.Dns)
        {
            errors.Add($"ServiceName '{ServiceName}' must be a DNS name (the CN of the CMG's server certificate).");
        }

        if (string.IsNullOrWhiteSpace(SiteCode) || SiteCode.Length != 3 || !SiteCode.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"SiteCode '{SiteCode}' must be three letters or digits.");
        }

        if (Instances is < 1 or > MaxInstances)
        {
            errors.Add($"Instances is {Instances}; a CMG has 1 to 16 VM instances.");
        }

        errors.AddRange(CapacityOptions().Validate());
        if (SiteRolePortBudget < 1)
        {
            errors.Add($"SiteRolePortBudget is {SiteRolePortBudget}; a connection point needs at least one port toward the site roles.");
        }

        if (ConnectionPoints < 1)
        {
            errors.Add($"ConnectionPoints is {ConnectionPoints}; a site needs at least one connection point.");
        }

        if (ChannelsPerInstance < 1)
        {
            errors.Add($"ChannelsPerInstance is {ChannelsPerInstance}; at least one channel is needed.");
        }

        if (ClientCount < 1)
        {
            errors.Add($"ClientCount is {ClientCount}; at least one client certificate is needed.");
        }

        CheckPort(errors, nameof(PublicPort), PublicPort);
        CheckPort(errors, nameof(ManagementPointPort), ManagementPointPort);
        CheckPort(errors, nameof(SoftwareUpdatePointPort), SoftwareUpdatePointPort);
        CheckPort(errors, nameof(EntraPort), EntraPort);
        if (ChannelPortBase != 0)
        {
            CheckPort(errors, nameof(ChannelPortBase), ChannelPortBase + Instances - 1);
        }

        if (IdleChannelTimeout >= ChannelKeepAliveTimeout)
        {
            errors.Add($"IdleChannelTimeout ({IdleChannelTimeout}) must be shorter than ChannelKeepAliveTimeout ({ChannelKeepAliveTimeout}), or requests race channels the connection point is closing.");
        }

        if (ReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < ReconnectDelay)
        {
            errors.Add("ReconnectDelay must be positive and no larger than MaxReconnectDelay.");
        }

        foreach (var (name, value) in new[]
        {
            (nameof(ChannelCheckInterval), ChannelCheckInterval), (nameof(SiteRoleTimeout), SiteRoleTimeout),
            (nameof(SiteRoleBreakDuration), SiteRoleBreakDuration), (nameof(ReadyTimeout), ReadyTimeout),
            (nameof(StatisticsInterval), StatisticsInterval), (nameof(IdleChannelTimeout), IdleChannelTimeout),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{name} must be positive.");
            }
        }

        if (ManagementPointEndpointId == SoftwareUpdatePointEndpointId)
        {
            errors.Add("The MP and the SUP need different endpoint ids.");
        }

        return errors;
    }

    /// <summary>The capacity options every VM instance gets.</summary>
    internal CapacityOptions CapacityOptions()
    {
        var capacity = new CapacityOptions();
        ApplyCapacity(capacity);
        return capacity;
    }

    /// <summary>Copies the capacity settings onto a VM instance's options.</summary>
    internal void ApplyCapacity(CapacityOptions target)
    {
        target.VmSize = VmSize;
        target.OverloadMode = OverloadMode;
        ConfigureCapacity?.Invoke(target);
    }

    private static void CheckPort(List<string> errors, string name, int port)
    {
        if (port is < 0 or > 65535)
        {
            errors.Add($"{name} {port} is not a TCP port.");
        }
    }
}
