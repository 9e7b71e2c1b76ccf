using CmgSim.ManagementPoint.CcmMessaging;
using CmgSim.Messaging;

namespace CmgSim.ManagementPoint.Inventory;

/// <summary><c>MP_DdrEndpoint</c>: discovery data records (InventoryActionID …003).</summary>
internal sealed class DdrEndpoint(InventoryIntake intake) : ICcmMessageHandler
{
    public const string Name = "MP_DdrEndpoint";

    public string EndpointName => Name;

    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(intake.Accept(Name, request));
}

/// <summary><c>MP_HinvEndpoint</c>: hardware inventory, full or delta (InventoryActionID …001).</summary>
internal sealed class HinvEndpoint(InventoryIntake intake) : ICcmMessageHandler
{
    public const string Name = "MP_HinvEndpoint";

    public string EndpointName => Name;

    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(intake.Accept(Name, request));
}

/// <summary><c>MP_SinvEndpoint</c>: software inventory (InventoryActionID …002).</summary>
internal sealed class SinvEndpoint(InventoryIntake intake) : ICcmMessageHandler
{
    public const string Name = "MP_SinvEndpoint";

    public string EndpointName => Name;

    public ValueTask<string?> HandleAsync(CcmEnvelope request, CcmRequestContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(intake.Accept(Name, request));
}
