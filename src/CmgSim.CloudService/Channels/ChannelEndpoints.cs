using System.Security.Cryptography.X509Certificates;
using CmgSim.CloudService.ClientAuthentication;
using CmgSim.Core.Errors;
using CmgSim.Tunnel;
using CmgSim.Tunnel.CloudSide;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CmgSim.CloudService.Channels;

/// <summary>
/// The channel port's two endpoints: a connection point publishes its site and endpoint ids, then opens
/// channels. Both demand its client-auth certificate; a certificate the CMG does not trust, or one that
/// does not name the connection point, gets 403 and the connection point stops retrying.
/// </summary>
internal sealed partial class ChannelEndpoints(ChannelRegistry registry, CloudCertificateValidators validators, ILogger<ChannelEndpoints> logger)
{
    public async Task PublishAsync(HttpContext context, string connectionPoint)
    {
        if (!await AuthorizeAsync(context, connectionPoint))
        {
            return;
        }

        ConnectionPointPublication? publication;
        try
        {
            publication = await context.Request.ReadFromJsonAsync<ConnectionPointPublication>(context.RequestAborted);
        }
        catch (System.Text.Json.JsonException e)
        {
            Log.BadPublication(logger, connectionPoint, e.Message);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        if (publication is null || !string.Equals(publication.ConnectionPointName, connectionPoint, StringComparison.OrdinalIgnoreCase))
        {
            Log.BadPublication(logger, connectionPoint, "the publication names another connection point");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        registry.Publish(publication);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async Task OpenChannelAsync(HttpContext context, string connectionPoint)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            Log.NotHttp2(logger, connectionPoint, context.Request.Protocol);
            context.Response.StatusCode = StatusCodes.Status505HttpVersionNotsupported;
            return;
        }

        if (!await AuthorizeAsync(context, connectionPoint))
        {
            return;
        }

        await registry.AcceptChannelAsync(context, connectionPoint);
    }

    private async Task<bool> AuthorizeAsync(HttpContext context, string connectionPoint)
    {
        var certificate = context.Connection.ClientCertificate;
        var result = validators.ConnectionPoints.Validate(certificate);
        string? reason = null;
        if (!result.IsValid)
        {
            reason = $"connection point certificate rejected ({result.Reason}): {result.Detail}";
        }
        else if (!Names(certificate!, connectionPoint))
        {
            reason = $"the certificate {certificate!.Subject} does not name connection point '{connectionPoint}'";
        }

        if (reason is null)
        {
            return true;
        }

        Log.ConnectionPointRejected(logger, connectionPoint, reason);
        await CmgErrorResponse.TryWriteAsync(context, CmgError.ClientCertificateRequired, reason);
        return false;
    }

    private static bool Names(X509Certificate2 certificate, string connectionPoint) =>
        string.Equals(certificate.GetNameInfo(X509NameType.SimpleName, false), connectionPoint, StringComparison.OrdinalIgnoreCase)
        || string.Equals(certificate.GetNameInfo(X509NameType.DnsName, false), connectionPoint, StringComparison.OrdinalIgnoreCase);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Refused connection point {ConnectionPoint}: {Reason}")]
        public static partial void ConnectionPointRejected(ILogger logger, string connectionPoint, string reason);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Connection point {ConnectionPoint} sent an unusable publication: {Reason}")]
        public static partial void BadPublication(ILogger logger, string connectionPoint, string reason);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Connection point {ConnectionPoint} tried to open a channel over {Protocol}; channels need HTTP/2")]
        public static partial void NotHttp2(ILogger logger, string connectionPoint, string protocol);
    }
}
