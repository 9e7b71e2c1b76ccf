using System.Runtime.InteropServices;
using CmgSim.Core.Logging;
using CmgSim.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace CmgSim.Cli.Commands;

/// <summary>What every long-running command (<c>up</c>, <c>run &lt;role&gt;</c>) sets up: logging, tracing, the stop signals.</summary>
internal static class CliHosting
{
    /// <summary>Log categories that write a record per request.</summary>
    private static readonly string[] PerRequestCategories =
    [
        "CmgSim.ConnectionPoint.Forwarding.SiteRoleForwarder",
        "CmgSim.ManagementPoint",
        "CmgSim.SoftwareUpdatePoint",
    ];

    /// <summary>
    /// The process-wide logger factory every role host shares: a one-line console (start-up, channel state and
    /// problems; every record with <paramref name="verbose"/>) and the CMTrace files in <paramref name="logsDirectory"/>,
    /// routed by <paramref name="files"/> (the product's names, <see cref="CmTraceDefaults.Rules"/>, when null).
    /// </summary>
    public static ILoggerFactory CreateLoggerFactory(string logsDirectory, bool verbose, IEnumerable<CmTraceFileRule>? files = null) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System", LogLevel.Warning).AddFilter("Polly", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning);
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });

        // Per-request records go to the CMTrace files (SMS_Cloud_ProxyConnector.log, MP_*.log, …); the
        // console keeps to start-up, channel state and problems unless --verbose, so it never throttles a load.
        if (!verbose)
        {
            foreach (var category in PerRequestCategories)
            {
                logging.AddFilter<ConsoleLoggerProvider>(category, LogLevel.Warning);
            }
        }

        logging.AddCmTrace(cmtrace =>
        {
            cmtrace.Directory = logsDirectory;
            foreach (var rule in files ?? [])
            {
                cmtrace.Files.Add(rule);
            }
        });
    });

    /// <summary>Traces go to OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; without it nothing is collected.</summary>
    public static TracerProvider? CreateTracerProvider()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return null;
        }

        return Sdk.CreateTracerProviderBuilder()
            .AddSource(CmgSimTelemetry.AllSources, "Yarp.ReverseProxy")
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddOtlpExporter()
            .Build();
    }

    /// <summary>
    /// Ctrl+C (SIGINT) and SIGTERM cancel <paramref name="stopping"/> instead of ending the process, so the command
    /// stops its hosts in order and returns its own exit code. Dispose the result to restore the default handling.
    /// </summary>
    public static IDisposable CancelOnStopSignals(CancellationTokenSource stopping)
    {
        ArgumentNullException.ThrowIfNull(stopping);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }

        return new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop));
    }

    private sealed class Registrations(params IDisposable[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
