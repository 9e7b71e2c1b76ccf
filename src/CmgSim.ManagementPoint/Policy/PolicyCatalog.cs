using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using CmgSim.Messaging.Policy;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Policy;

/// <summary>One policy body and how it is assigned (client-protocols §3.2).</summary>
/// <param name="Body">UTF-16LE with BOM, as served: plain policies go out as is; secret ones inside CMS EnvelopedData.</param>
/// <param name="Hash">SHA-256 of <paramref name="Body"/>, uppercase hex.</param>
internal sealed record PolicyDefinition(
    string AssignmentId,
    string PolicyId,
    string Version,
    string Category,
    PolicyFlags Flags,
    byte[] Body,
    string Hash)
{
    /// <summary>The <c>.sms_pol</c> query, <c>&lt;PolicyID&gt;.&lt;version with _&gt;</c> as in <c>?{e98163c7-…}.2_00</c>.</summary>
    public string LocationQuery => $"{PolicyId}.{Version.Replace('.', '_')}";

    public bool IsSecret => Flags.HasFlag(PolicyFlags.Secret);
}

/// <summary><c>PolicyFlags</c> bits (SCCMSecrets <c>parse_policies_flags</c>).</summary>
[Flags]
internal enum PolicyFlags
{
    None = 0,
    TaskSequence = 1,
    RequiresAuth = 2,
    Secret = 4,
    IntranetOnly = 8,
    PersistWholePolicy = 16,
    AuthorizedDynamicDownload = 32,
    Compressed = 64,
}

/// <summary>
/// The site's machine policy, built once from <see cref="PolicyOptions"/>: ids, versions, obfuscation
/// seeds and so hashes come from a seeded <see cref="Random"/>, so the same options give the same
/// catalog on every run (tools and tests can compare hashes across restarts).
/// </summary>
internal sealed class PolicyCatalog
{
    public const string ClientAgentConfigCategory = "ClientAgentConfig";
    public const string MachineSettingsCategory = "MachineSettings";
    public const string NaaConfigCategory = "NAAConfig";
    public const string CollectionSettingsCategory = "CollectionSettings";
    public const string SoftwareUpdateDeploymentCategory = "SoftwareUpdateDeployment";

    private readonly Dictionary<string, PolicyDefinition> _byLocation;

    public PolicyCatalog(IOptions<PolicyOptions> policyOptions, IOptions<ManagementPointOptions> mpOptions)
    {
        var options = policyOptions.Value;
        var siteCode = mpOptions.Value.SiteCode;
        var random = new Random(options.CatalogSeed);
        var builder = new Builder(random, siteCode, options.ObfuscationCipher);
        Policies =
        [
            builder.Build(ClientAgentConfigCategory, "2.00", PolicyFlags.PersistWholePolicy, _ =>
            [
                Instance("CCM_PolicyAgent_Configuration", ("PolicyRequestAssignmentTimeout", "60"), ("PolicyEnableUserPolicyPolling", "true")),
                Instance("CCM_SoftwareUpdatesClientConfig", ("Enabled", "true"), ("EvaluationSchedule", "0001200000100038")),
            ]),
            builder.Build(MachineSettingsCategory, "1.00", PolicyFlags.None, _ =>
            [
                Instance("CCM_ClientAgentConfig", ("SiteCode", siteCode), ("SystemRestartTurnaroundTime", "90")),
            ]),
            builder.Build(NaaConfigCategory, "3.00", PolicyFlags.RequiresAuth | PolicyFlags.Secret | PolicyFlags.PersistWholePolicy, b =>
            [
                new XElement(
                    "instance",
                    new XAttribute("class", "CCM_NetworkAccessAccount"),
                    b.SecretProperty("NetworkAccessUsername", options.NetworkAccessUsername),
                    b.SecretProperty("NetworkAccessPassword", options.NetworkAccessPassword),
                    Property("Reserved1", null)),
            ]),
            builder.Build(CollectionSettingsCategory, "1.00", PolicyFlags.RequiresAuth | PolicyFlags.Secret, b =>
            [
                new XElement(
                    "instance",
                    new XAttribute("class", "CCM_CollectionSettings"),
                    Property("CollectionID", siteCode + "00001"),
                    Property("CollectionSettingsXML", b.CompressedCollectionVariables(options.CollectionVariables))),
            ]),
            builder.Build(SoftwareUpdateDeploymentCategory, "1.00", PolicyFlags.None, b =>
            [
                Instance(
                    "CCM_UpdateCIAssignment",
                    ("AssignmentID", b.NewId()),
                    ("AssignmentName", "Lab monthly updates"),
                    ("AssignmentAction", "2"),
                    ("StartTime", "20260101000000.000000+***"),
                    ("NotifyUser", "true")),
            ]),
        ];
        _byLocation = Policies.ToDictionary(static p => p.LocationQuery, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<PolicyDefinition> Policies { get; }

    /// <summary>Finds a policy by the raw <c>.sms_pol</c> query (<c>{id}.2_00</c>; <c>{id}.2.00</c> is accepted too).</summary>
    public PolicyDefinition? Find(string query)
    {
        if (_byLocation.TryGetValue(query, out var policy))
        {
            return policy;
        }

        var dot = query.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && _byLocation.TryGetValue(string.Concat(query.AsSpan(0, dot + 1), query.AsSpan(dot + 1).ToString().Replace('.', '_')), out policy) ? policy : null;
    }

    private static XElement Instance(string className, params (string Name, string Value)[] properties) =>
        new("instance", new XAttribute("class", className), properties.Select(p => Property(p.Name, p.Value)));

    private static XElement Property(string name, string? value) =>
        new("property", new XAttribute("name", name), new XAttribute("type", "8"), new XElement("value", value is null ? null : new XCData(value)));

    private sealed class Builder(Random random, string siteCode, PolicySecretCipher cipher)
    {
        public string NewId()
        {
            Span<byte> bytes = stackalloc byte[16];
            random.NextBytes(bytes);
            return new Guid(bytes).ToString("B");
        }

        public XElement SecretProperty(string name, string value)
        {
            var seed = new byte[PolicySecretObfuscation.SeedLength];
            random.NextBytes(seed);
            return new XElement(
                "property",
                new XAttribute("name", name),
                new XAttribute("type", "8"),
                new XAttribute("secret", "1"),
                new XElement("value", new XCData(PolicySecretObfuscation.ObfuscateToHex(value, seed, cipher))));
        }

        /// <summary>
        /// Collection variables as a nested, zlib-compressed, hex UTF-16 document (client-protocols §3.3:
        /// "zlib+hex nested XML"); values obfuscated like any secret. The exact wrapper is not public [I].
        /// </summary>
        public string CompressedCollectionVariables(IDictionary<string, string> variables)
        {
            var nested = new XElement(
                "Policy",
                variables.Select(v => new XElement(
                    "instance",
                    new XAttribute("class", "CCM_CollectionVariable"),
                    Property("Name", v.Key),
                    SecretProperty("Value", v.Value))));
            var text = Encoding.Unicode.GetBytes(nested.ToString(SaveOptions.DisableFormatting));
            using var buffer = new MemoryStream();
            using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(text);
            }

            return Convert.ToHexString(buffer.ToArray());
        }

        public PolicyDefinition Build(string category, string version, PolicyFlags flags, Func<Builder, IEnumerable<XElement>> instances)
        {
            var assignmentId = NewId();
            var policyId = NewId();
            var policy = new XElement(
                "Policy",
                new XAttribute("PolicyID", policyId),
                new XAttribute("PolicyVersion", version),
                new XAttribute("PolicyType", "Machine"),
                new XAttribute("PolicyCategory", category),
                new XAttribute("PolicySource", "SMS:" + siteCode),
                new XElement(
                    "PolicyRule",
                    new XAttribute("PolicyRuleID", NewId()),
                    new XElement("PolicyAction", new XAttribute("PolicyActionType", "WMI-XML"), instances(this))));
            var text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n" + policy.ToString(SaveOptions.DisableFormatting);
            var body = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
            return new PolicyDefinition(assignmentId, policyId, version, category, flags, body, Convert.ToHexString(SHA256.HashData(body)));
        }
    }

    internal static string FormatFlags(PolicyFlags flags) => ((int)flags).ToString(CultureInfo.InvariantCulture);
}
