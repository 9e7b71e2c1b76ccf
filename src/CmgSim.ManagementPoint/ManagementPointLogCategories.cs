namespace CmgSim.ManagementPoint;

/// <summary>Logger categories of the MP; the CMTrace sink maps the <c>CmgSim.ManagementPoint</c> prefix to MP_*.log files.</summary>
public static class ManagementPointLogCategories
{
    /// <summary><c>.sms_aut</c> requests and <c>MP_LocationManager</c> (the product's MP_Location.log).</summary>
    public const string Location = "CmgSim.ManagementPoint.Location";

    /// <summary><c>CCM_POST</c> parsing and dispatch (the product's CcmIsapi / MP messaging logs).</summary>
    public const string Messaging = "CmgSim.ManagementPoint.Messaging";

    /// <summary><c>MP_ClientRegistration</c> and the site database (the product's MP_RegistrationManager.log).</summary>
    public const string Registration = "CmgSim.ManagementPoint.Registration";

    /// <summary><c>MP_DdrEndpoint</c>, <c>MP_HinvEndpoint</c>, <c>MP_SinvEndpoint</c> (the product's MP_Ddr.log, MP_Hinv.log, MP_Sinv.log).</summary>
    public const string Inventory = "CmgSim.ManagementPoint.Inventory";

    /// <summary><c>MP_RelayEndpoint</c> state and status messages (the product's MP_Relay.log).</summary>
    public const string StateMessages = "CmgSim.ManagementPoint.StateMessages";

    /// <summary><c>CCM_STS</c> and the token checks of <c>ccm_system_tokenauth</c> (the product's CCM_STS.log).</summary>
    public const string Sts = "CmgSim.ManagementPoint.Sts";
}
