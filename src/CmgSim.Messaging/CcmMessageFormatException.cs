namespace CmgSim.Messaging;

/// <summary>A CcmMessaging envelope that cannot be parsed; the message says why (it goes to the MP log).</summary>
public sealed class CcmMessageFormatException : Exception
{
    public CcmMessageFormatException()
    {
    }

    public CcmMessageFormatException(string message)
        : base(message)
    {
    }

    public CcmMessageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
