namespace CmgSim.Topology;

/// <summary>The topology options are unusable; <see cref="Errors"/> lists every problem at once.</summary>
public sealed class TopologyOptionsException : Exception
{
    public TopologyOptionsException(IReadOnlyList<string> errors)
        : base("The topology options are invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(static e => "  - " + e)))
    {
        Errors = errors;
    }

    public TopologyOptionsException()
        : this([])
    {
    }

    public TopologyOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public IReadOnlyList<string> Errors { get; } = [];
}
