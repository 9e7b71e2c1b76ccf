namespace CmgSim.SoftwareUpdatePoint;

/// <summary>Logger categories of the SUP; all start with <c>CmgSim.SoftwareUpdatePoint</c>.</summary>
public static class SoftwareUpdatePointLogCategories
{
    public const string ClientWebService = "CmgSim.SoftwareUpdatePoint.ClientWebService";
    public const string ReportingWebService = "CmgSim.SoftwareUpdatePoint.ReportingWebService";
}
