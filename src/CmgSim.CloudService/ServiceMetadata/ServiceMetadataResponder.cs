using System.Xml;
using CmgSim.CloudService.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace CmgSim.CloudService.ServiceMetadata;

/// <summary>
/// Answers <c>/CCM_Proxy_MutualAuth/ServiceMetadata</c> and <c>/CCM_Proxy_ServerAuth/ServiceMetadata</c>
/// from the cloud service itself. The product's body is not documented; this one names the service, the
/// VM instance and the client certificate it saw, which is what people use the URL for.
/// </summary>
internal sealed class ServiceMetadataResponder(IOptions<CloudServiceOptions> options)
{
    private readonly CloudServiceOptions _options = options.Value;

    public async Task WriteAsync(HttpContext context, CmgAuthPrefix prefix)
    {
        var settings = new XmlWriterSettings { Async = true, OmitXmlDeclaration = true, Indent = false };
        using var buffer = new MemoryStream();
        await using (var writer = XmlWriter.Create(buffer, settings))
        {
            await writer.WriteStartElementAsync(null, "ServiceMetadata", null);
            await writer.WriteElementStringAsync(null, "ServiceName", null, _options.ServiceName);
            await writer.WriteElementStringAsync(null, "RoleInstance", null, _options.InstanceName);
            await writer.WriteElementStringAsync(null, "AuthenticationPrefix", null, prefix == CmgAuthPrefix.MutualAuth ? "CCM_Proxy_MutualAuth" : "CCM_Proxy_ServerAuth");
            if (context.Connection.ClientCertificate is { } certificate)
            {
                await writer.WriteStartElementAsync(null, "ClientCertificate", null);
                await writer.WriteAttributeStringAsync(null, "Subject", null, certificate.Subject);
                await writer.WriteAttributeStringAsync(null, "Issuer", null, certificate.Issuer);
                await writer.WriteAttributeStringAsync(null, "Thumbprint", null, certificate.Thumbprint);
                await writer.WriteEndElementAsync();
            }

            await writer.WriteEndElementAsync();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/xml; charset=utf-8";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }
}
