using System.Security.Cryptography;
using CmgSim.Messaging.Policy;

namespace CmgSim.ManagementPoint.Policy;

/// <summary>Content cipher of the CMS EnvelopedData around a secret policy (client-protocols §3.3).</summary>
public enum SecretPolicyContentCipher
{
    /// <summary>3DES-CBC, <c>1.2.840.113549.3.7</c>: the default, the only one sccmwtf reads.</summary>
    TripleDes,

    /// <summary>AES-256-CBC, <c>2.16.840.1.101.3.4.1.42</c>.</summary>
    Aes256,
}

/// <summary>
/// The simulated site's policy (client-protocols §3.2–3.3). Hosts set it with
/// <c>services.Configure&lt;PolicyOptions&gt;</c>; the catalog is built once from it.
/// </summary>
public sealed class PolicyOptions
{
    /// <summary>Seeds policy/assignment ids and obfuscation key seeds, so a lab's policy is the same on every run.</summary>
    public int CatalogSeed { get; set; } = 3204;

    /// <summary>The lab Network Access Account, delivered in the secret <c>NAAConfig</c> policy.</summary>
    public string NetworkAccessUsername { get; set; } = @"CONTOSO\svc-cm-naa";

    public string NetworkAccessPassword { get; set; } = "Lab-NAA-Passw0rd!";

    /// <summary>Collection variables delivered (secret) in <c>CollectionSettings</c>.</summary>
    public IDictionary<string, string> CollectionVariables { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["OSDJoinAccount"] = @"CONTOSO\svc-osd-join",
        ["OSDJoinPassword"] = "Lab-Join-Passw0rd!",
    };

    public SecretPolicyContentCipher ContentCipher { get; set; } = SecretPolicyContentCipher.TripleDes;

    /// <summary>Key transport; PKCS#1 v1.5 by default (sccmwtf only supports that), OAEP (SHA-1) selectable.</summary>
    public RSAEncryptionPadding KeyTransportPadding { get; set; } = RSAEncryptionPadding.Pkcs1;

    /// <summary>Cipher of the obfuscated property values inside secret policies.</summary>
    public PolicySecretCipher ObfuscationCipher { get; set; } = PolicySecretCipher.TripleDes;
}
