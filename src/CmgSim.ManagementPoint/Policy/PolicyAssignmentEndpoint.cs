using System.Xml;
using System.Xml.Linq;
using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.Messaging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CmgSim.ManagementPoint.Policy;

/// <summary>
/// <c>MP_PolicyManager</c> (client-protocols §3.2): <c>RequestAssignments</c> → <c>ReplyAssignments</c>
/// listing the catalog with CDATA <c>http://&lt;mp&gt;/SMS_MP/.sms_pol?…</c> locations. The dispatcher has
/// already verified the <c>clientauth</c> signature against the registered key (ClientSigned endpoint).
/// </summary>
internal sealed partial class PolicyAssignmentEndpoint : ICcmMessageHandler
{
    public const string Name = "MP_PolicyManager";

    /// <summary>The <c>&lt;mp&gt;</c> placeholder is kept literally: the client substitutes it, and sccmwtf/sccmhunter regexes expect it.</summary>
    public const string LocationPrefix = "http://<mp>/SMS_MP/.sms_pol?";

    private readonly PolicyCatalog _catalog;
    private readonly ManagementPointOptions _options;
    private readonly ILogger _logger;

    public PolicyAssignmentEndpoint(PolicyCatalog catalog, IOptions<ManagementPointOptions> options, ILoggerFactory loggerFactory)
    {
        _catalog = catalog;
        _options = options.Value;
        _logger = loggerFactory.CreateLogger(PolicyLogCategory.Name);
    }

    string ICcmMessageHandler.EndpointName => Name;

    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Handle(request));

    public string? Handle(CcmEnvelope envelope)
    {
        var messageId = envelope.Header.Id ?? string.Empty;
        XElement request;
        try
        {
            request = XElement.Parse(envelope.Message.Body);
        }
        catch (XmlException ex)
        {
            LogRejected(_logger, messageId, ex.Message);
            return null;
        }

        if (request.Name.LocalName != "RequestAssignments")
        {
            LogRejected(_logger, messageId, $"root <{request.Name.LocalName}> is not <RequestAssignments>");
            return null;
        }

        // User policy is not simulated: a user request gets a Full reply with no assignments.
        var resourceType = (string?)request.Element("Resource")?.Attribute("ResourceType") ?? "Machine";
        var isMachine = string.Equals(resourceType, "Machine", StringComparison.OrdinalIgnoreCase);
        var policies = isMachine ? _catalog.Policies : [];
        var reply = new XElement(
            "ReplyAssignments",
            new XAttribute("SchemaVersion", "1.00"),
            new XAttribute("ReplyType", "Full"),
            new XElement(request.Element("Identification") ?? new XElement("Identification")),

            // Tools send SMS:PRI whatever the site is; the reply names the real site.
            new XElement("PolicySource", "SMS:" + _options.SiteCode),
            new XElement("Resource", new XAttribute("ResourceType", resourceType)),
            new XElement("ServerCookie", "ReplyAssignments-" + _catalog.Policies.Count),
            policies.Select(Assignment));
        LogReplied(_logger, messageId, envelope.Header.SourceId ?? string.Empty, resourceType, policies.Count);
        return reply.ToString(SaveOptions.DisableFormatting);
    }

    private static XElement Assignment(PolicyDefinition policy) => new(
        "PolicyAssignment",
        new XAttribute("PolicyAssignmentID", policy.AssignmentId),
        new XElement(
            "Policy",
            new XAttribute("PolicyID", policy.PolicyId),
            new XAttribute("PolicyVersion", policy.Version),
            new XAttribute("PolicyType", "Machine"),
            new XAttribute("PolicyCategory", policy.Category),
            new XAttribute("PolicyFlags", PolicyCatalog.FormatFlags(policy.Flags)),
            new XElement(
                "PolicyLocation",
                new XAttribute("PolicyHash", "SHA256:" + policy.Hash),
                new XAttribute("PolicyHashEx", "SHA256:" + policy.Hash),
                new XCData(LocationPrefix + policy.LocationQuery))));

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Policy request {MessageId} refused with an empty 200: {Reason}")]
    private static partial void LogRejected(ILogger logger, string messageId, string reason);

    [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "ReplyAssignments to {MessageId} from {SourceId} ({ResourceType}): {Count} assignment(s).")]
    private static partial void LogReplied(ILogger logger, string messageId, string sourceId, string resourceType, int count);
}

/// <summary>Logger category of policy assignment and download (the product's MP_Policy / PolicyAgent side).</summary>
internal static class PolicyLogCategory
{
    public const string Name = "CmgSim.ManagementPoint.Policy";
}
