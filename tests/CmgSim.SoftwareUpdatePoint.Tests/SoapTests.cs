using System.Net;
using System.Text;
using System.Xml.Linq;

namespace CmgSim.SoftwareUpdatePoint.Tests;

public sealed class SoapTests(SupHost host) : IClassFixture<SupHost>
{
    private static readonly XNamespace Soap = "http://schemas.xmlsoap.org/soap/envelope/";
    private static readonly XNamespace Cws = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService";
    private static readonly XNamespace Sas = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService";

    private async Task<(HttpResponseMessage Response, XDocument Document)> PostAsync(string path, string? action, XElement operation)
    {
        var envelope = new XElement(Soap + "Envelope", new XElement(Soap + "Body", operation));
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(envelope.ToString(), Encoding.UTF8, "text/xml"),
        };
        if (action is not null)
        {
            request.Headers.TryAddWithoutValidation("SOAPAction", $"\"{action}\"");
        }

        var response = await host.Client.SendAsync(request);
        Assert.Equal("text/xml; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return (response, XDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task GetConfig_returns_the_config_result()
    {
        var (response, document) = await PostAsync(
            "/ClientWebService/client.asmx",
            "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig",
            new XElement(Cws + "GetConfig", new XElement(Cws + "protocolVersion", "1.20")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = document.Root!.Element(Soap + "Body")!.Element(Cws + "GetConfigResponse")!.Element(Cws + "GetConfigResult")!;
        Assert.True(DateTimeOffset.TryParse(result.Element(Cws + "LastChange")!.Value, System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal("true", result.Element(Cws + "IsRegistrationRequired")!.Value);
        var plugIn = result.Element(Cws + "AuthInfo")!.Element(Cws + "AuthPlugInInfo")!;
        Assert.Equal("SimpleTargeting", plugIn.Element(Cws + "PlugInID")!.Value);
        Assert.Equal("SimpleAuthWebService/SimpleAuth.asmx", plugIn.Element(Cws + "ServiceUrl")!.Value);
        var properties = result.Element(Cws + "Properties")!.Elements(Cws + "ConfigurationProperty")
            .ToDictionary(p => p.Element(Cws + "Name")!.Value, p => p.Element(Cws + "Value")!.Value);
        Assert.Equal("50", properties["MaxExtendedUpdatesPerRequest"]);
        response.Dispose();
    }

    [Fact]
    public async Task GetAuthorizationCookie_returns_plugin_and_base64_cookie()
    {
        var (response, document) = await PostAsync(
            "/SimpleAuthWebService/SimpleAuth.asmx",
            "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie",
            new XElement(
                Sas + "GetAuthorizationCookie",
                new XElement(Sas + "clientId", "c0ffee"),
                new XElement(Sas + "targetGroupName", string.Empty),
                new XElement(Sas + "dnsName", "client01.contoso.com")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = document.Root!.Element(Soap + "Body")!.Element(Sas + "GetAuthorizationCookieResponse")!.Element(Sas + "GetAuthorizationCookieResult")!;
        Assert.Equal("SimpleTargeting", result.Element(Sas + "PlugInId")!.Value);
        // Sealed: the client id is not readable in the blob, and GetCookie accepts it.
        var cookie = result.Element(Sas + "CookieData")!.Value;
        Assert.DoesNotContain("c0ffee", Encoding.UTF8.GetString(Convert.FromBase64String(cookie)), StringComparison.Ordinal);
        var getCookie = await host.Server.Wsus.GetCookieReplyAsync(cookie);
        Assert.Equal(HttpStatusCode.OK, getCookie.Status);
        response.Dispose();
    }

    [Theory]
    [InlineData("/ClientWebService/client.asmx", "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetFileLocations")]
    [InlineData("/ReportingWebService/ReportingWebService.asmx", "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates")]
    [InlineData("/ClientWebService/client.asmx", "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie")]
    [InlineData("/SimpleAuthWebService/SimpleAuth.asmx", "urn:nothing")]
    [InlineData("/ClientWebService/client.asmx", null)]
    public async Task Unknown_SOAPAction_is_a_soap_fault_with_500(string path, string? action)
    {
        var (response, document) = await PostAsync(path, action, new XElement(Cws + "SyncUpdates"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var fault = document.Root!.Element(Soap + "Body")!.Element(Soap + "Fault")!;
        Assert.Equal("soap:Client", fault.Element("faultcode")!.Value);
        Assert.Contains("SOAPAction", fault.Element("faultstring")!.Value, StringComparison.Ordinal);
        response.Dispose();
    }
}
