using System.Security.Cryptography.Pkcs;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging;
using CmgSim.Messaging.Policy;
using CmgSim.Messaging.Signing;

namespace CmgSim.Client;

/// <summary>A downloaded policy; secret property values are already deobfuscated.</summary>
public sealed record DownloadedPolicy(string PolicyId, string Category, int Flags, XElement Body, IReadOnlyDictionary<string, string> Secrets);

/// <summary>One assignment of a <c>ReplyAssignments</c>: where its body is, and whether it is secret (PolicyFlags 4).</summary>
public sealed record PolicyAssignment(string PolicyId, string Category, int Flags, string Location)
{
    public bool IsSecret => (Flags & 4) != 0;
}

/// <summary>
/// The PolicyAgent cycle of a registered client (client-protocols §3.2–3.3): signed
/// <c>RequestAssignments</c> to <c>MP_PolicyManager</c>, then each <c>.sms_pol</c> location with the
/// <c>&lt;mp&gt;</c> placeholder replaced by the MP base URL; secret policies are fetched with the
/// <c>ClientToken</c> headers, decrypted with the client key and their values deobfuscated.
/// </summary>
public sealed class PolicyFlow(HttpClient http, Uri managementPointBaseUrl, TimeProvider timeProvider, string ccmRequestPath = ClientSession.CcmSystemPath)
{
    private static readonly HttpMethod CcmPost = new("CCM_POST");
    private readonly string _base = managementPointBaseUrl.AbsoluteUri.TrimEnd('/');

    /// <exception cref="InvalidOperationException">The identity has no SMSID, or the MP answered with the empty 200.</exception>
    public async Task<IReadOnlyList<DownloadedPolicy>> RunAsync(ClientIdentity identity, CancellationToken cancellationToken = default)
    {
        var assignments = await GetAssignmentsAsync(identity, cancellationToken);
        var policies = new List<DownloadedPolicy>(assignments.Count);
        foreach (var assignment in assignments)
        {
            policies.Add(await DownloadPolicyAsync(identity, assignment, cancellationToken));
        }

        return policies;
    }

    /// <summary>RequestAssignments alone, so a caller can time the poll and each body download apart (load scenarios).</summary>
    /// <exception cref="InvalidOperationException">The identity has no SMSID, or the MP answered with the empty 200.</exception>
    public async Task<IReadOnlyList<PolicyAssignment>> GetAssignmentsAsync(ClientIdentity identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var smsId = identity.SmsId ?? throw new InvalidOperationException("Register the client first: it has no SMSID.");
        var reply = await RequestAssignmentsAsync(identity, smsId, cancellationToken);
        return [.. reply.Descendants("Policy").Select(static policy => new PolicyAssignment(
            (string)policy.Attribute("PolicyID")!,
            (string?)policy.Attribute("PolicyCategory") ?? string.Empty,
            (int?)policy.Attribute("PolicyFlags") ?? 0,
            policy.Element("PolicyLocation")?.Value ?? throw new InvalidOperationException("A policy has no PolicyLocation.")))];
    }

    /// <summary>One policy body; a secret one is decrypted with the client key and its values deobfuscated.</summary>
    public async Task<DownloadedPolicy> DownloadPolicyAsync(ClientIdentity identity, PolicyAssignment assignment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(assignment);
        var smsId = identity.SmsId ?? throw new InvalidOperationException("Register the client first: it has no SMSID.");
        var body = await DownloadAsync(identity, smsId, assignment.Location, assignment.IsSecret, cancellationToken);
        var secrets = body.Descendants("property")
            .Where(static p => (string?)p.Attribute("secret") == "1")
            .ToDictionary(static p => (string)p.Attribute("name")!, static p => PolicySecretObfuscation.Deobfuscate(p.Element("value")!.Value), StringComparer.Ordinal);
        return new DownloadedPolicy(assignment.PolicyId, assignment.Category, assignment.Flags, body, secrets);
    }

    /// <summary>One policy poll without the body downloads (nothing changed): RequestAssignments → the number of assignments.</summary>
    /// <exception cref="InvalidOperationException">The identity has no SMSID, or the MP answered with the empty 200.</exception>
    public async Task<int> PollAssignmentsAsync(ClientIdentity identity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var smsId = identity.SmsId ?? throw new InvalidOperationException("Register the client first: it has no SMSID.");
        var reply = await RequestAssignmentsAsync(identity, smsId, cancellationToken);
        return reply.Descendants("Policy").Count();
    }

    private async Task<XElement> RequestAssignmentsAsync(ClientIdentity identity, string smsId, CancellationToken cancellationToken)
    {
        var header = new MsgHeader
        {
            ReplyCompression = CcmCompression.Zlib,
            Id = "{" + Guid.NewGuid().ToString().ToUpperInvariant() + "}",
            SourceHost = identity.HostName,
            TargetAddress = "mp:[http]MP_PolicyManager",
            TargetEndpoint = "MP_PolicyManager",
            ReplyTo = $"direct:{identity.HostName}:PolicyAgent_ReplyAssignments",
            ReplyMode = "Sync",
            Protocol = "http",
            SentTime = timeProvider.GetUtcNow(),
        };
        var body = new XElement(
            "RequestAssignments",
            new XAttribute("SchemaVersion", "1.00"),
            new XAttribute("ACK", "false"),
            new XAttribute("RequestType", "Always"),
            new XElement("Identification", new XElement(
                "Machine",
                new XElement("ClientID", smsId),
                new XElement("FQDN", identity.HostName.ToLowerInvariant()),
                new XElement("NetBIOSName", identity.HostName),
                new XElement("SID")), new XElement("User")),
            new XElement("PolicySource", "SMS:PRI"),
            new XElement("Resource", new XAttribute("ResourceType", "Machine")),
            new XElement("ServerCookie"))
            .ToString(SaveOptions.DisableFormatting);
        using var request = new HttpRequestMessage(CcmPost, _base + ccmRequestPath)
        {
            Content = new ByteArrayContent(CcmSigner.WriteSigned(header, body, identity.Key, smsId, identity.HostName)),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", CcmMessageWriter.GetContentType());
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (bytes.Length == 0)
        {
            throw new InvalidOperationException("Empty reply (HTTP 200, Content-Length 0): the MP refused the policy request (signature or unknown client).");
        }

        return XElement.Parse(CcmMessageReader.Read(bytes, response.Content.Headers.ContentType?.ToString()).Message.Body);
    }

    private async Task<XElement> DownloadAsync(ClientIdentity identity, string smsId, string location, bool secret, CancellationToken cancellationToken)
    {
        // http://<mp>/SMS_MP/.sms_pol?… → the MP as this client reaches it (directly or through the CMG prefix).
        var path = location[location.IndexOf("/SMS_MP/", StringComparison.OrdinalIgnoreCase)..];
        using var request = new HttpRequestMessage(HttpMethod.Get, _base + path);
        if (secret)
        {
            foreach (var (name, value) in PolicyAuthHeaders.ClientTokenHeaders(identity.Key, smsId, timeProvider.GetUtcNow()))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: HTTP {(int)response.StatusCode} {Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 40))}");
        }

        if (secret)
        {
            var cms = new EnvelopedCms();
            cms.Decode(bytes);
            cms.Decrypt(cms.RecipientInfos[0], identity.Key);
            bytes = cms.ContentInfo.Content;
        }

        return XElement.Parse(Encoding.Unicode.GetString(bytes).TrimStart('\uFEFF').TrimEnd('\0'));
    }
}
