using CmgSim.Messaging;

namespace CmgSim.ManagementPoint.CcmMessaging;

/// <summary>
/// Answers the messages for one MP endpoint (<c>TargetEndpoint</c>, e.g. <c>MP_LocationManager</c>).
/// Register implementations with <c>TryAddEnumerable(ServiceDescriptor.Singleton&lt;ICcmMessageHandler, …&gt;())</c>;
/// the CCM_POST endpoint dispatches to them by name.
/// </summary>
public interface ICcmMessageHandler
{
    /// <summary>The MP endpoint name, compared case-insensitively.</summary>
    string EndpointName { get; }

    /// <summary>
    /// The reply body (UTF-16 XML, without the envelope), or null when the product answers with an empty
    /// 200 (unknown client, nothing to answer). Anything acknowledged must be durable before this returns.
    /// </summary>
    ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken);
}
