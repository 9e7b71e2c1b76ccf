namespace CmgSim.Core.Logging;

/// <summary>
/// Routes logger categories that start with <paramref name="CategoryPrefix"/> (ordinal, so
/// <c>CmgSim.Tunnel.ConnectionPoint</c> also covers <c>CmgSim.Tunnel.ConnectionPointSide.*</c>) to
/// <paramref name="FileName"/>, with <paramref name="Component"/> in each record's <c>component</c> field.
/// </summary>
public sealed record CmTraceFileRule(string CategoryPrefix, string FileName, string Component);
