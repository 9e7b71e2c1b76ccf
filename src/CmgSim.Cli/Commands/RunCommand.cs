using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Net;
using System.Text.Json;
using CmgSim.CloudService.Capacity;
using CmgSim.ConnectionPoint;
using CmgSim.Core.Logging;
using CmgSim.Core.Topology;
using CmgSim.Identity.Pki;
using CmgSim.Topology.Roles;
using Microsoft.Extensions.Logging;

namespace CmgSim.Cli.Commands;

/// <summary>
/// <c>cmgsim run &lt;role&gt;</c>: one role of a topology per process. The processes share the lab folder (PKI,
/// site.db, logs) and find each other through its cluster folder (<c>DIR/cluster/&lt;id&gt;.json</c>), or through
/// URL options. <c>cmgsim run topology</c> writes topology.json once the roles are ready. docs/multi-process.md.
/// </summary>
internal static class RunCommand
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(1);

    public static Command Create() => new("run", "Runs one role of a topology in this process (one role per process; see docs/multi-process.md). The processes share --lab-dir and find each other through DIR/cluster/.")
    {
        Entra(),
        SoftwareUpdatePoint(),
        ManagementPoint(),
        VmInstance(),
        ConnectionPoint(),
        Topology(),
    };

    private static Command Entra()
    {
        var common = new CommonRoleOptions();
        var listen = ListenOption(PortPlan.Entra);
        var command = new Command(ClusterRoles.Entra, "Runs the local Microsoft Entra tenant (Entra v2 URL shapes over HTTPS). Its address is its tokens' issuer, so bind it to an address clients use.") { listen };
        common.AddTo(command);
        command.Action = new RoleAction(async (parseResult, cancellationToken) =>
        {
            var problems = common.Validate(parseResult);
            var endpoint = ParseListen(parseResult.GetValue(listen), common.BindAddress(parseResult), PortPlan.Entra, problems);
            if (endpoint is not null && IsWildcard(endpoint.Address))
            {
                problems.Add($"The Entra tenant cannot listen on {endpoint.Address}: its bound address becomes the issuer of every token it signs. Give it the address clients use (--bind-address 127.0.0.1).");
            }

            return await common.RunAsync(parseResult, ClusterRoles.Entra, ClusterRoles.Entra, problems, RoleLogFiles.Default(), async (role, ct) =>
            {
                var host = await EntraRole.StartAsync(new EntraRoleSettings
                {
                    Endpoint = endpoint!,
                    Pki = role.Pki,
                    Layout = role.Lab.Layout,
                    LoggerFactory = role.LoggerFactory,
                    TimeProvider = role.TimeProvider,
                }, ct);
                var trust = EntraTrust.For(host);
                return new StartedRole
                {
                    Registration = new ClusterEntry { Id = ClusterRoles.Entra, Role = ClusterRoles.Entra, Name = "Microsoft Entra ID", Url = Trim(host.Url) },
                    ReadyUrl = Trim(host.Url),
                    Detail = $"authority {trust.AuthorityFor(trust.OnboardedTenant.TenantId)}",
                    Stop = host.DisposeAsync,
                };
            }, cancellationToken);
        });
        return command;
    }

    private static Command SoftwareUpdatePoint()
    {
        var common = new CommonRoleOptions();
        var listen = ListenOption(PortPlan.SoftwareUpdatePoint);
        var command = new Command(ClusterRoles.SoftwareUpdatePoint, "Runs the software update point (WSUS client web services over HTTPS).") { listen };
        common.AddTo(command);
        command.Action = new RoleAction(async (parseResult, cancellationToken) =>
        {
            var problems = common.Validate(parseResult);
            var endpoint = ParseListen(parseResult.GetValue(listen), common.BindAddress(parseResult), PortPlan.SoftwareUpdatePoint, problems);
            return await common.RunAsync(parseResult, ClusterRoles.SoftwareUpdatePoint, ClusterRoles.SoftwareUpdatePoint, problems, RoleLogFiles.Default(), async (role, ct) =>
            {
                var sup = await SoftwareUpdatePointRole.StartAsync(new SoftwareUpdatePointRoleSettings
                {
                    Endpoint = endpoint!,
                    Pki = role.Pki,
                    LoggerFactory = role.LoggerFactory,
                    TimeProvider = role.TimeProvider,
                }, ct);
                var url = Advertised(sup.Url);
                return new StartedRole
                {
                    Registration = new ClusterEntry { Id = ClusterRoles.SoftwareUpdatePoint, Role = ClusterRoles.SoftwareUpdatePoint, Name = role.Lab.ManagementPointFqdn, Url = url },
                    ReadyUrl = url,
                    Stop = sup.DisposeAsync,
                };
            }, cancellationToken);
        });
        return command;
    }

    private static Command ManagementPoint()
    {
        var common = new CommonRoleOptions();
        var tokens = new TokenOptions();
        var listen = ListenOption(PortPlan.ManagementPoint);
        var supUrl = new Option<string?>("--sup-url") { Description = "The software update point's URL. Default: the 'sup' registered in DIR/cluster." };
        var publicPort = new Option<int>("--public-port") { Description = "The CMG's public port, for the CMG-based URLs the MP hands to internet clients.", DefaultValueFactory = static _ => PortPlan.Public };
        var command = new Command(ClusterRoles.ManagementPoint, "Runs the management point (location, .sms_aut, CcmMessaging, CCM_STS; the site database DIR/site.db).") { listen, supUrl, publicPort };
        common.AddTo(command);
        tokens.AddTo(command);
        command.Action = new RoleAction(async (parseResult, cancellationToken) =>
        {
            var problems = common.Validate(parseResult);
            var endpoint = ParseListen(parseResult.GetValue(listen), common.BindAddress(parseResult), PortPlan.ManagementPoint, problems);
            var sup = ParseUrl("--sup-url", parseResult.GetValue(supUrl), problems);
            CheckPort("--public-port", parseResult.GetValue(publicPort), problems);
            var entraUrl = tokens.EntraUrl(parseResult, problems);
            return await common.RunAsync(parseResult, ClusterRoles.ManagementPoint, ClusterRoles.ManagementPoint, problems, RoleLogFiles.Default(), async (role, ct) =>
            {
                var needs = await role.WaitForAsync(sup is null ? [ClusterRoles.SoftwareUpdatePoint] : [], tokens.NeedsEntraRegistration(parseResult, entraUrl), ct);
                var entra = tokens.Trust(parseResult, entraUrl, needs, role);
                var mp = await ManagementPointRole.StartAsync(new ManagementPointRoleSettings
                {
                    Endpoint = endpoint!,
                    Lab = role.Lab,
                    Pki = role.Pki,
                    CmgPublicPort = parseResult.GetValue(publicPort),
                    SoftwareUpdatePointUrl = sup ?? new Uri(needs[ClusterRoles.SoftwareUpdatePoint].Url),
                    SiteTokens = role.SiteTokens(tokens.SiteTokensEnabled(parseResult)),
                    Entra = entra,
                    LoggerFactory = role.LoggerFactory,
                    TimeProvider = role.TimeProvider,
                }, ct);
                var url = Advertised(mp.Url);
                return new StartedRole
                {
                    Registration = new ClusterEntry { Id = ClusterRoles.ManagementPoint, Role = ClusterRoles.ManagementPoint, Name = role.Lab.ManagementPointFqdn, Url = url },
                    ReadyUrl = url,
                    Detail = $"{role.Lab.ManagementPointFqdn}, site {role.Lab.SiteCode}",
                    Stop = mp.DisposeAsync,
                };
            }, cancellationToken);
        });
        return command;
    }

    private static Command VmInstance()
    {
        var common = new CommonRoleOptions();
        var tokens = new TokenOptions();
        var instance = new Option<int>("--instance") { Description = "Which VM instance this is, 1-16 (ProxyService_IN_<n-1>); picks its ports in the port plan.", DefaultValueFactory = static _ => 1 };
        var publicPort = new Option<int>("--public-port") { Description = "The public HTTPS port every VM instance shares (SO_REUSEPORT, across processes too).", DefaultValueFactory = static _ => PortPlan.Public };
        var instancePort = new Option<int?>("--instance-port") { Description = $"This instance's own HTTPS port (0 = any free port). Default: {PortPlan.InstanceBase} + n - 1." };
        var channelPort = new Option<int?>("--channel-port") { Description = $"The channel port connection points dial (0 = any free port). Default: {PortPlan.ChannelBase} + n - 1." };
        var noCrlCheck = new Option<bool>("--no-crl-check") { Description = "Turn off \"Verify client certificate revocation\"." };
        var vmSize = new Option<string>("--vm-size") { Description = $"The VM size, which sets the client connections the instance supports: {VmSizeProfiles.Names}.", DefaultValueFactory = static _ => VmSizeProfiles.DefaultName };
        var overloadMode = new Option<OverloadMode>("--overload-mode") { Description = "Past the supported client connections: delay every request (Delay, the product's behaviour) or refuse requests on connections past the limit with 503 (Refuse).", DefaultValueFactory = static _ => OverloadMode.Delay };
        var command = new Command(ClusterRoles.VmInstance, "Runs one VM instance of the CMG cloud service: the public port (shared), its own port and its channel port.")
        {
            instance, publicPort, instancePort, channelPort, noCrlCheck, vmSize, overloadMode,
        };
        common.AddTo(command);
        tokens.AddTo(command);
        command.Action = new RoleAction(async (parseResult, cancellationToken) =>
        {
            var problems = common.Validate(parseResult);
            var number = parseResult.GetValue(instance);
            if (number is < 1 or > PortPlan.MaxInstances)
            {
                problems.Add($"--instance is {number}; a CMG has VM instances 1 to {PortPlan.MaxInstances}.");
                number = 1;
            }

            var bind = common.BindAddress(parseResult);
            var ports = (Public: parseResult.GetValue(publicPort), Instance: parseResult.GetValue(instancePort) ?? PortPlan.InstancePort(number), Channel: parseResult.GetValue(channelPort) ?? PortPlan.ChannelPort(number));
            CheckPort("--public-port", ports.Public, problems);
            CheckPort("--instance-port", ports.Instance, problems);
            CheckPort("--channel-port", ports.Channel, problems);
            if (!VmSizeProfiles.TryGet(parseResult.GetValue(vmSize), out var size))
            {
                problems.Add($"--vm-size '{parseResult.GetValue(vmSize)}' is not one of the CMG's VM sizes: {VmSizeProfiles.Names}.");
            }

            var entraUrl = tokens.EntraUrl(parseResult, problems);
            var id = ClusterRegistry.InstanceId(number);
            var lab = common.Lab(parseResult);
            return await common.RunAsync(parseResult, ClusterRoles.VmInstance, id, problems, RoleLogFiles.ForVmInstance(lab.ServiceName, number), async (role, ct) =>
            {
                var needs = await role.WaitForAsync([], tokens.NeedsEntraRegistration(parseResult, entraUrl), ct);
                var host = await VmInstanceRole.StartAsync(new VmInstanceRoleSettings
                {
                    InstanceNumber = number,
                    Lab = role.Lab,
                    Pki = role.Pki,
                    PublicEndpoint = new IPEndPoint(bind!, ports.Public),
                    InstanceEndpoint = new IPEndPoint(bind!, ports.Instance),
                    ChannelEndpoint = new IPEndPoint(bind!, ports.Channel),
                    VerifyClientCertificateRevocation = !parseResult.GetValue(noCrlCheck),
                    SiteTokens = role.SiteTokens(tokens.SiteTokensEnabled(parseResult)),
                    Entra = tokens.Trust(parseResult, entraUrl, needs, role),
                    ConfigureCloudService = cloud =>
                    {
                        cloud.Capacity.VmSize = size!.Name;
                        cloud.Capacity.OverloadMode = parseResult.GetValue(overloadMode);
                    },
                    LoggerFactory = role.LoggerFactory,
                    TimeProvider = role.TimeProvider,
                }, ct);
                var publicUrl = Advertised(new UriBuilder(Uri.UriSchemeHttps, bind!.ToString(), host.PublicPort).Uri);
                var instanceUrl = Advertised(host.InstanceUrl);
                var channelUrl = Advertised(host.ChannelUrl);
                return new StartedRole
                {
                    Registration = new ClusterEntry
                    {
                        Id = id,
                        Role = ClusterRoles.VmInstance,
                        Name = host.Name,
                        Url = instanceUrl,
                        PublicUrl = publicUrl,
                        ChannelUrl = channelUrl,
                        StatusUrl = instanceUrl + VmCapacityProtocol.StatusPath,
                        VmSize = size!.Name,
                    },
                    ReadyUrl = publicUrl,
                    Detail = $"{host.Name}, {size!.Name} ({size.SupportedConnections} client connections), instance {instanceUrl}, channel {channelUrl}",
                    Stop = host.DisposeAsync,
                };
            }, cancellationToken);
        });
        return command;
    }

    private static Command ConnectionPoint()
    {
        var common = new CommonRoleOptions();
        var tokens = new TokenOptions();
        var index = new Option<int>("--index") { Description = "Which connection point this is (1 = CMGCP01.contoso.com); picks its health port in the port plan.", DefaultValueFactory = static _ => 1 };
        var listen = new Option<string?>("--listen") { Description = $"ADDRESS:PORT of the HTTP health endpoint. Default: the bind address, port {PortPlan.ConnectionPointHealthBase} + n - 1." };
        var mpUrl = new Option<string?>("--mp-url") { Description = "The management point's URL. Default: the 'mp' registered in DIR/cluster." };
        var supUrl = new Option<string?>("--sup-url") { Description = "The software update point's URL. Default: the 'sup' registered in DIR/cluster." };
        var channelUrls = new Option<string[]>("--vm-instance-channel-url") { Description = "A VM instance's channel URL (repeat for each). Default: every vm-instance registered in DIR/cluster, followed as instances come and go.", AllowMultipleArgumentsPerToken = false };
        var instances = new Option<int>("--instances") { Description = "VM instances to wait for in DIR/cluster before starting.", DefaultValueFactory = static _ => 1 };
        var channels = new Option<int>("--channels-per-instance") { Description = "Channels kept to each VM instance (one carries traffic, the others stand by).", DefaultValueFactory = static _ => 2 };
        var portBudget = new Option<int>("--cp-port-budget") { Description = "Local ports it may hold toward the MP and SUP at once (Windows' default dynamic range: 16384).", DefaultValueFactory = static _ => ConnectionPointOptions.DefaultSiteRolePortBudget };
        var command = new Command(ClusterRoles.ConnectionPoint, "Runs one CMG connection point: channels out to every VM instance, forwarding to the MP and the SUP.")
        {
            index, listen, mpUrl, supUrl, channelUrls, instances, channels, portBudget,
        };
        common.AddTo(command);
        tokens.AddTo(command);
        command.Action = new RoleAction(async (parseResult, cancellationToken) =>
        {
            var problems = common.Validate(parseResult);
            var number = parseResult.GetValue(index);
            if (number < 1)
            {
                problems.Add($"--index is {number}; connection points are numbered from 1.");
                number = 1;
            }

            var health = ParseListen(parseResult.GetValue(listen), common.BindAddress(parseResult), PortPlan.ConnectionPointHealthPort(number), problems);
            var mp = ParseUrl("--mp-url", parseResult.GetValue(mpUrl), problems);
            var sup = ParseUrl("--sup-url", parseResult.GetValue(supUrl), problems);
            var fixedChannels = (parseResult.GetValue(channelUrls) ?? []).Select(url => ParseUrl("--vm-instance-channel-url", url, problems)).OfType<Uri>().ToArray();
            var minimumInstances = parseResult.GetValue(instances);
            if (minimumInstances is < 1 or > PortPlan.MaxInstances)
            {
                problems.Add($"--instances is {minimumInstances}; wait for 1 to {PortPlan.MaxInstances} VM instances.");
            }

            if (parseResult.GetValue(channels) < 1)
            {
                problems.Add($"--channels-per-instance is {parseResult.GetValue(channels)}; at least one channel is needed.");
            }

            if (parseResult.GetValue(portBudget) < 1)
            {
                problems.Add($"--cp-port-budget is {parseResult.GetValue(portBudget)}; a connection point needs at least one port toward the site roles.");
            }

            var entraUrl = tokens.EntraUrl(parseResult, problems);
            var id = ClusterRegistry.ConnectionPointId(number);
            ConnectionPointTargets? Resolve(IReadOnlyList<ClusterEntry> entries, ConnectionPointTargets? current) =>
                ConnectionPointTargets.FromCluster(entries, current, fixedChannels.Length > 0 ? fixedChannels.Length : minimumInstances, mp, sup, fixedChannels.Length > 0 ? fixedChannels : null);

            return await common.RunAsync(parseResult, ClusterRoles.ConnectionPoint, id, problems, RoleLogFiles.ForConnectionPoint(number), async (role, ct) =>
            {
                var needs = await role.WaitForAsync([], tokens.NeedsEntraRegistration(parseResult, entraUrl), ct);
                var awaited = Describe(mp, sup, fixedChannels.Length > 0 ? 0 : minimumInstances);
                if (awaited.Length > 0)
                {
                    Console.WriteLine($"Waiting up to {role.WaitTimeout.TotalSeconds:0} s for {awaited} in {role.Registry.Directory}");
                }

                var targets = await role.Registry.WaitAsync(
                    entries => Resolve(entries, null),
                    role.WaitTimeout,
                    awaited,
                    ct);
                var certificate = ConnectionPointRole.LoadCertificate(role.Pki, number, role.TimeProvider);
                var entra = tokens.Trust(parseResult, entraUrl, needs, role);
                var siteTokens = role.SiteTokens(tokens.SiteTokensEnabled(parseResult));
                var supervisor = new ConnectionPointSupervisor(
                    t => new ConnectionPointRoleSettings
                    {
                        Number = number,
                        Lab = role.Lab,
                        Pki = role.Pki,
                        Certificate = certificate,
                        VmInstanceChannelUrls = t.VmInstanceChannelUrls,
                        ManagementPointUrl = t.ManagementPointUrl,
                        SoftwareUpdatePointUrl = t.SoftwareUpdatePointUrl,
                        HealthEndpoint = health!,
                        SiteTokens = siteTokens,
                        Entra = entra,
                        ChannelsPerInstance = parseResult.GetValue(channels),
                        SiteRolePortBudget = parseResult.GetValue(portBudget),
                        LoggerFactory = role.LoggerFactory,
                        TimeProvider = role.TimeProvider,
                    },
                    role.LoggerFactory.CreateLogger(CmTraceDefaults.ConnectionPointCategory));
                async ValueTask StopAsync()
                {
                    await supervisor.DisposeAsync();
                    if (number != 1)
                    {
                        certificate.Dispose();
                    }
                }

                try
                {
                    await supervisor.ApplyAsync(targets, ct);
                    await WaitForChannelsAsync(supervisor, role, ct);
                }
                catch
                {
                    await StopAsync();
                    throw;
                }

                var healthUrl = Advertised(supervisor.Host!.HealthUrl);
                var registration = new ClusterEntry { Id = id, Role = ClusterRoles.ConnectionPoint, Name = supervisor.Host.Name, Url = healthUrl };
                return new StartedRole
                {
                    Registration = registration,
                    ReadyUrl = healthUrl,
                    Detail = $"{supervisor.Host.Name}, channels to {targets.VmInstanceChannelUrls.Count} VM instance(s)",
                    Stop = StopAsync,
                    RunUntilStoppedAsync = fixedChannels.Length > 0 && mp is not null && sup is not null
                        ? null
                        : stopping => supervisor.FollowAsync(role.Registry, Resolve, FollowInterval, role.TimeProvider, host =>
                        {
                            role.Registry.Register(registration);
                            Console.WriteLine($"CmgSim {ClusterRoles.ConnectionPoint} moved: {healthUrl} ({host.Name}, channels to {supervisor.Targets!.VmInstanceChannelUrls.Count} VM instance(s))");
                        }, stopping),
                };
            }, cancellationToken);
        });
        return command;
    }

    private static Command Topology()
    {
        var common = new CommonRoleOptions();
        var instances = new Option<int>("--instances") { Description = "VM instances that must be registered before topology.json is written (all registered ones are listed).", DefaultValueFactory = static _ => 1 };
        var connectionPoints = new Option<int>("--connection-points") { Description = "Connection points that must be registered, each connected to every VM instance.", DefaultValueFactory = static _ => 1 };
        var noEntra = new Option<bool>("--no-entra") { Description = "The topology has no Entra tenant: do not wait for one, leave 'entra' out." };
        var noSiteTokens = new Option<bool>("--no-site-tokens") { Description = "The site issues no tokens: leave 'siteTokens' out." };
        var once = new Option<bool>("--once") { Description = "Exit 0 once topology.json is written, instead of rewriting it as roles come and go until stopped." };
        var command = new Command(ClusterRoles.Topology, "Writes DIR/topology.json for roles running as separate processes, once every role is registered in DIR/cluster and every connection point holds channels to every VM instance.")
        {
            instances, connectionPoints, noEntra, noSiteTokens, once,
        };
        common.AddTo(command);
        command.Action = new RoleAction(async (parseResult, cancellationToken) =>
        {
            var problems = common.Validate(parseResult);
            var requirements = new ClusterTopologyRequirements
            {
                Instances = parseResult.GetValue(instances),
                ConnectionPoints = parseResult.GetValue(connectionPoints),
                Entra = !parseResult.GetValue(noEntra),
            };
            if (requirements.Instances is < 1 or > PortPlan.MaxInstances)
            {
                problems.Add($"--instances is {requirements.Instances}; a CMG has 1 to {PortPlan.MaxInstances} VM instances.");
            }

            if (requirements.ConnectionPoints < 1)
            {
                problems.Add($"--connection-points is {requirements.ConnectionPoints}; a site needs at least one connection point.");
            }

            return await common.RunAsync(parseResult, ClusterRoles.Topology, registrationId: null, problems, RoleLogFiles.Default(), async (role, ct) =>
            {
                var handler = new SocketsHttpHandler { UseProxy = false };
                var health = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
                var cluster = new ClusterTopology
                {
                    Lab = role.Lab,
                    Pki = role.Pki,
                    Requirements = requirements,
                    SiteTokens = role.SiteTokens(!parseResult.GetValue(noSiteTokens)),
                    Health = health,
                };
                var path = role.Lab.Layout.TopologyFile;
                var missing = "";
                TopologyDocument document;
                try
                {
                    document = await role.Registry.WaitAsync(
                        async (entries, token) =>
                        {
                            var (built, why) = await cluster.TryBuildAsync(entries, token);
                            missing = why;
                            return built;
                        },
                        role.WaitTimeout,
                        $"a ready topology ({requirements.Instances} VM instance(s), {requirements.ConnectionPoints} connection point(s){(requirements.Entra ? ", entra" : "")}, mp, sup)",
                        ct);
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException)
                {
                    health.Dispose();
                    if (e is TimeoutException)
                    {
                        throw new TimeoutException($"{e.Message} Still missing: {missing}.", e);
                    }

                    throw;
                }

                await document.SaveAsync(path, ct);
                var written = JsonSerializer.Serialize(document, TopologyDocument.SerializerOptions);
                return new StartedRole
                {
                    ReadyUrl = document.PublicUrl,
                    Detail = $"{path}, {document.Instances.Count} VM instance(s), {document.ConnectionPoints.Count} connection point(s)",
                    Stop = () =>
                    {
                        health.Dispose();
                        return ValueTask.CompletedTask;
                    },
                    ExitWhenReady = parseResult.GetValue(once),
                    RunUntilStoppedAsync = async stopping =>
                    {
                        while (!stopping.IsCancellationRequested)
                        {
                            try
                            {
                                await Task.Delay(FollowInterval, role.TimeProvider, stopping);
                                var (next, _) = await cluster.TryBuildAsync(role.Registry.Read(), stopping);
                                if (next is not null && JsonSerializer.Serialize(next, TopologyDocument.SerializerOptions) is var text && text != written)
                                {
                                    await next.SaveAsync(path, stopping);
                                    written = text;
                                    Console.WriteLine($"CmgSim {ClusterRoles.Topology} updated: {next.PublicUrl} ({path}, {next.Instances.Count} VM instance(s), {next.ConnectionPoints.Count} connection point(s))");
                                }
                            }
                            catch (OperationCanceledException)
                            {
                                return;
                            }
                        }
                    },
                };
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>Waits (bounded by --wait-timeout) until the connection point holds a channel to every VM instance it dials.</summary>
    private static async Task WaitForChannelsAsync(ConnectionPointSupervisor supervisor, RoleProcess role, CancellationToken cancellationToken)
    {
        var started = role.TimeProvider.GetTimestamp();
        while (!ConnectionPointRole.IsConnectedToAll(supervisor.Host!, supervisor.Targets!.VmInstanceChannelUrls))
        {
            if (role.TimeProvider.GetElapsedTime(started) > role.WaitTimeout)
            {
                var state = string.Join("; ", supervisor.Host!.Channels.Instances.Select(static i =>
                    $"{i.ChannelUrl.Authority}: {i.OpenChannels} open, {i.Reconnects} retries{(i.RejectedReason is null ? "" : ", refused: " + i.RejectedReason)}"));
                if (supervisor.Host.Channels.OpenChannels == 0)
                {
                    throw new TimeoutException($"The connection point opened no channel within {role.WaitTimeout.TotalSeconds:0} s: {state}");
                }

                await Console.Error.WriteLineAsync($"Not every VM instance has a channel yet (it keeps trying): {state}");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), role.TimeProvider, cancellationToken);
        }
    }

    private static string Describe(Uri? mp, Uri? sup, int instances)
    {
        var parts = new List<string>();
        if (mp is null)
        {
            parts.Add(ClusterRoles.ManagementPoint);
        }

        if (sup is null)
        {
            parts.Add(ClusterRoles.SoftwareUpdatePoint);
        }

        if (instances > 0)
        {
            parts.Add($"{instances} {ClusterRoles.VmInstance}(s)");
        }

        return string.Join(", ", parts);
    }

    private static Option<string?> ListenOption(int planPort) => new("--listen")
    {
        Description = $"ADDRESS:PORT to listen on (port 0 = any free port). Default: the bind address, port {planPort.ToString(CultureInfo.InvariantCulture)}.",
    };

    private static IPEndPoint? ParseListen(string? text, IPAddress? bind, int planPort, List<string> problems)
    {
        if (text is null)
        {
            return bind is null ? null : new IPEndPoint(bind, planPort);
        }

        if (!IPEndPoint.TryParse(text, out var endpoint) || !text.Contains(':', StringComparison.Ordinal))
        {
            problems.Add($"--listen '{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:{planPort.ToString(CultureInfo.InvariantCulture)}).");
            return null;
        }

        return endpoint;
    }

    private static Uri? ParseUrl(string option, string? text, List<string> problems)
    {
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"{option} '{text}' is not an http(s) URL.");
            return null;
        }

        return url;
    }

    private static void CheckPort(string option, int port, List<string> problems)
    {
        if (port is < 0 or > 65535)
        {
            problems.Add($"{option} {port} is not a TCP port.");
        }
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>A bound URL as others reach it: a wildcard address (0.0.0.0, [::]) becomes 127.0.0.1; no trailing slash.</summary>
    private static string Advertised(Uri bound)
    {
        var builder = new UriBuilder(bound);
        if (IPAddress.TryParse(bound.Host, out var address) && IsWildcard(address))
        {
            builder.Host = IPAddress.Loopback.ToString();
        }

        return Trim(builder.Uri);
    }

    private static string Trim(Uri url) => url.AbsoluteUri.TrimEnd('/');

    /// <summary>Runs even with parse errors, so every problem (parse and semantic) is listed at once with exit code 2.</summary>
    private sealed class RoleAction(Func<ParseResult, CancellationToken, Task<int>> run) : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            var problems = parseResult.Errors.Select(static e => e.Message)
                .Concat(parseResult.UnmatchedTokens.Select(static t => $"Unrecognized argument '{t}'."))
                .Distinct(StringComparer.Ordinal)
                .ToArray();
            if (problems.Length > 0)
            {
                await WriteProblemsAsync(problems);
                return 2;
            }

            return await run(parseResult, cancellationToken);
        }
    }

    internal static async Task WriteProblemsAsync(IReadOnlyCollection<string> problems)
    {
        await Console.Error.WriteLineAsync($"Invalid options ({problems.Count} problem(s)):");
        foreach (var problem in problems)
        {
            await Console.Error.WriteLineAsync("  " + problem);
        }
    }

    /// <summary>A started role: what to register and print, how to stop it, and what it does until stopped.</summary>
    private sealed class StartedRole
    {
        public ClusterEntry? Registration { get; init; }

        public required string ReadyUrl { get; init; }

        public string? Detail { get; init; }

        public required Func<ValueTask> Stop { get; init; }

        /// <summary>Work until the stop signal (following the cluster folder); null: just wait.</summary>
        public Func<CancellationToken, Task>? RunUntilStoppedAsync { get; init; }

        /// <summary>Stop right after the ready line (one-shot roles).</summary>
        public bool ExitWhenReady { get; init; }
    }

    /// <summary>What a role process has loaded from the lab folder, for its start function.</summary>
    private sealed class RoleProcess
    {
        private SiteTokenMaterial? _siteTokens;

        public required RoleLabSettings Lab { get; init; }

        public required LabPki Pki { get; init; }

        public required ClusterRegistry Registry { get; init; }

        public required ILoggerFactory LoggerFactory { get; init; }

        public required TimeProvider TimeProvider { get; init; }

        public required TimeSpan WaitTimeout { get; init; }

        /// <summary>The site token material (loaded once); null when <paramref name="enabled"/> is false.</summary>
        public SiteTokenMaterial? SiteTokens(bool enabled) => enabled ? _siteTokens ??= SiteTokenMaterial.Load(Lab.Layout, Lab.SiteCode, TimeProvider) : null;

        /// <summary>Waits (bounded by --wait-timeout) for the registrations <paramref name="ids"/> (and entra when <paramref name="entra"/>).</summary>
        public async Task<IReadOnlyDictionary<string, ClusterEntry>> WaitForAsync(string[] ids, bool entra, CancellationToken cancellationToken)
        {
            var wanted = entra ? [.. ids, ClusterRoles.Entra] : ids;
            if (wanted.Length == 0)
            {
                return new Dictionary<string, ClusterEntry>();
            }

            Console.WriteLine($"Waiting up to {WaitTimeout.TotalSeconds:0} s for {string.Join(", ", wanted)} in {Registry.Directory}");
            return await Registry.WaitAsync<IReadOnlyDictionary<string, ClusterEntry>>(
                entries =>
                {
                    var found = entries.Where(e => wanted.Contains(e.Id)).ToDictionary(static e => e.Id);
                    return found.Count == wanted.Length ? found : null;
                },
                WaitTimeout,
                string.Join(", ", wanted),
                cancellationToken);
        }

        public void Dispose()
        {
            _siteTokens?.Dispose();
            Pki.Dispose();
        }
    }

    /// <summary>The Entra and site token options of the roles that validate tokens (VM instance, connection point, MP).</summary>
    private sealed class TokenOptions
    {
        private readonly Option<string?> _entraUrl = new("--entra-url") { Description = "The Entra tenant's base URL (https://127.0.0.1:8444). Default: the 'entra' registered in DIR/cluster." };
        private readonly Option<bool> _noEntra = new("--no-entra") { Description = "Onboard no Entra tenant: Entra tokens are refused, nothing waits for 'entra'." };
        private readonly Option<bool> _noSiteTokens = new("--no-site-tokens") { Description = "Accept no site-issued tokens (bulk registration, client and CCM tokens)." };

        public void AddTo(Command command)
        {
            command.Options.Add(_entraUrl);
            command.Options.Add(_noEntra);
            command.Options.Add(_noSiteTokens);
        }

        public Uri? EntraUrl(ParseResult parseResult, List<string> problems)
        {
            var url = ParseUrl("--entra-url", parseResult.GetValue(_entraUrl), problems);
            if (url is not null && parseResult.GetValue(_noEntra))
            {
                problems.Add("--entra-url and --no-entra contradict each other.");
            }

            return url;
        }

        public bool NeedsEntraRegistration(ParseResult parseResult, Uri? entraUrl) => !parseResult.GetValue(_noEntra) && entraUrl is null;

        public bool SiteTokensEnabled(ParseResult parseResult) => !parseResult.GetValue(_noSiteTokens);

        public EntraTrust? Trust(ParseResult parseResult, Uri? entraUrl, IReadOnlyDictionary<string, ClusterEntry> registrations, RoleProcess role)
        {
            if (parseResult.GetValue(_noEntra))
            {
                return null;
            }

            var url = entraUrl ?? new Uri(registrations[ClusterRoles.Entra].Url);
            return EntraTrust.ForLab(url, role.Pki.Clients.Select(static c => c.Name));
        }
    }

    /// <summary>The options every role takes, and the run of a role process from options to exit code.</summary>
    private sealed class CommonRoleOptions
    {
        private readonly Option<DirectoryInfo> _labDirectory = CommonOptions.LabDirectory();
        private readonly Option<string?> _serviceName = new("--service-name") { Description = "The CMG service name. Default: the lab's (CN of its server certificate), else GraniteFalls.contoso.com." };
        private readonly Option<string?> _siteCode = new("--site-code") { Description = "The primary site's code. Default: PS1." };
        private readonly Option<KeyAlgorithmChoice?> _keyAlgorithm = new("--key-algorithm") { Description = "Key algorithm of the lab certificates when this creates them. Default: the lab's, else Ecdsa." };
        private readonly Option<int?> _clients = new("--clients") { Description = "Client certificates of the lab. Default: as many as the lab has, else 3." };
        private readonly Option<string> _bindAddress = new("--bind-address") { Description = "The address this role's listeners bind (127.0.0.1; 0.0.0.0 in a container, advertised as 127.0.0.1).", DefaultValueFactory = static _ => "127.0.0.1" };
        private readonly Option<int> _waitTimeout = new("--wait-timeout") { Description = "Seconds to wait for the roles this one needs to register in DIR/cluster.", DefaultValueFactory = static _ => 60 };
        private readonly Option<bool> _verbose = new("--verbose") { Description = "Debug-level console logging." };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _labDirectory, _serviceName, _siteCode, _keyAlgorithm, _clients, _bindAddress, _waitTimeout, _verbose })
            {
                command.Options.Add(option);
            }
        }

        public RoleLabSettings Lab(ParseResult parseResult) => RoleLabSettings.Resolve(
            parseResult.GetValue(_labDirectory)!.FullName,
            parseResult.GetValue(_serviceName),
            parseResult.GetValue(_siteCode),
            parseResult.GetValue(_keyAlgorithm) switch
            {
                KeyAlgorithmChoice.Rsa => LabKeyAlgorithm.Rsa2048,
                KeyAlgorithmChoice.Ecdsa => LabKeyAlgorithm.EcdsaP256,
                _ => null,
            },
            parseResult.GetValue(_clients));

        public IPAddress? BindAddress(ParseResult parseResult) => IPAddress.TryParse(parseResult.GetValue(_bindAddress), out var address) ? address : null;

        /// <summary>The problems of the common options; each role adds its own.</summary>
        public List<string> Validate(ParseResult parseResult)
        {
            var problems = new List<string>(Lab(parseResult).Validate());
            if (BindAddress(parseResult) is null)
            {
                problems.Add($"--bind-address '{parseResult.GetValue(_bindAddress)}' is not an IP address.");
            }

            if (parseResult.GetValue(_waitTimeout) < 1)
            {
                problems.Add($"--wait-timeout is {parseResult.GetValue(_waitTimeout)}; give at least 1 second.");
            }

            return problems;
        }

        /// <summary>
        /// Lists <paramref name="problems"/> (exit 2), or loads the lab, starts the role, registers it, prints the ready
        /// line, and runs until Ctrl+C or SIGTERM (exit 0). Exit 1 when a port is taken, a needed role never
        /// registers or the role is already running; 130 when stopped during start-up.
        /// </summary>
        public async Task<int> RunAsync(
            ParseResult parseResult,
            string role,
            string? registrationId,
            List<string> problems,
            IReadOnlyList<CmTraceFileRule> logFiles,
            Func<RoleProcess, CancellationToken, Task<StartedRole>> start,
            CancellationToken cancellationToken)
        {
            if (problems.Count > 0)
            {
                await WriteProblemsAsync(problems);
                return 2;
            }

            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var signals = CliHosting.CancelOnStopSignals(stopping);
            var lab = Lab(parseResult);
            var timeProvider = TimeProvider.System;
            var registry = new ClusterRegistry(lab.Layout, timeProvider);
            if (registrationId is not null && registry.Find(registrationId) is { } existing && ClusterRegistry.IsHeldByAnotherLiveProcess(existing))
            {
                await Console.Error.WriteLineAsync($"{registrationId} is already running (process {existing.ProcessId}, {existing.Url}). Stop it first, or pick another --instance/--index.");
                return 1;
            }

            using var loggerFactory = CliHosting.CreateLoggerFactory(lab.Layout.LogsDirectory, parseResult.GetValue(_verbose), logFiles);
            using var tracing = CliHosting.CreateTracerProvider();
            RoleProcess? process = null;
            StartedRole started;
            try
            {
                process = new RoleProcess
                {
                    Lab = lab,
                    Pki = lab.LoadPki(timeProvider),
                    Registry = registry,
                    LoggerFactory = loggerFactory,
                    TimeProvider = timeProvider,
                    WaitTimeout = TimeSpan.FromSeconds(parseResult.GetValue(_waitTimeout)),
                };
                started = await start(process, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                process?.Dispose();
                return 130;
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                process?.Dispose();
                await Console.Error.WriteLineAsync($"A port the {role} needs is already in use ({e.Message}). Is it already running? Pick another port (--listen, --bind-address, --public-port …).");
                return 1;
            }
            catch (TimeoutException e)
            {
                process?.Dispose();
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }

            try
            {
                if (started.Registration is { } registration)
                {
                    registry.Register(registration);
                }

                Console.WriteLine($"CmgSim {role} ready: {started.ReadyUrl}{(started.Detail is null ? "" : $" ({started.Detail})")}");
                if (!started.ExitWhenReady)
                {
                    try
                    {
                        await (started.RunUntilStoppedAsync?.Invoke(stopping.Token) ?? Task.CompletedTask);
                        await Task.Delay(Timeout.Infinite, stopping.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    Console.WriteLine("Stopping…");
                }
            }
            finally
            {
                if (started.Registration is { } registration)
                {
                    registry.Unregister(registration.Id);
                }

                await started.Stop();
                process.Dispose();
            }

            if (!started.ExitWhenReady)
            {
                Console.WriteLine("Stopped.");
            }

            return 0;
        }
    }
}
