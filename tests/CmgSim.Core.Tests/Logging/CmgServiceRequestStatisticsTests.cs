using CmgSim.Core.Logging;

namespace CmgSim.Core.Tests.Logging;

public sealed class CmgServiceRequestStatisticsTests
{
    [Fact]
    public void Report_uses_the_product_template_with_upper_cased_uri()
    {
        var statistics = new CmgServiceRequestStatistics();
        statistics.Record("/CCM_Proxy_ServerAuth/72057594037927942/CCM_STS", 1200, 3400, TimeSpan.FromMilliseconds(10));
        statistics.Record("/ccm_proxy_serverauth/72057594037927942/ccm_sts", 800, 600, TimeSpan.FromMilliseconds(15));

        var report = statistics.DrainReport();

        Assert.Equal(
            ["RequestUri: /CCM_PROXY_SERVERAUTH/72057594037927942/CCM_STS  RequestCount: 2  RequestSize: 2000 Bytes  ResponseCount: 2  ResponseSize: 4000 Bytes  AverageElapsedTime: 13 ms"],
            report);
    }

    [Fact]
    public void Report_is_ordered_by_uri_and_counts_requests_without_response()
    {
        var statistics = new CmgServiceRequestStatistics();
        statistics.Record("/CCM_Proxy_MutualAuth/1/SMS_MP/.sms_aut", 10, 20, TimeSpan.FromMilliseconds(4));
        statistics.RecordWithoutResponse("/CCM_Proxy_MutualAuth/1/SMS_MP/.sms_aut", 10, TimeSpan.FromMilliseconds(2));
        statistics.Record("/CCM_Proxy_MutualAuth/1/CCM_POST", 100, 0, TimeSpan.Zero);

        var report = statistics.DrainReport();

        Assert.Equal(
            [
                "RequestUri: /CCM_PROXY_MUTUALAUTH/1/CCM_POST  RequestCount: 1  RequestSize: 100 Bytes  ResponseCount: 1  ResponseSize: 0 Bytes  AverageElapsedTime: 0 ms",
                "RequestUri: /CCM_PROXY_MUTUALAUTH/1/SMS_MP/.SMS_AUT  RequestCount: 2  RequestSize: 20 Bytes  ResponseCount: 1  ResponseSize: 20 Bytes  AverageElapsedTime: 3 ms",
            ],
            report);
    }

    [Fact]
    public void Drain_resets_the_counters()
    {
        var statistics = new CmgServiceRequestStatistics();
        statistics.Record("/a", 1, 1, TimeSpan.FromMilliseconds(1));
        Assert.Single(statistics.DrainReport());

        Assert.Empty(statistics.DrainReport());

        statistics.Record("/a", 5, 6, TimeSpan.FromMilliseconds(7));
        Assert.Equal(
            ["RequestUri: /A  RequestCount: 1  RequestSize: 5 Bytes  ResponseCount: 1  ResponseSize: 6 Bytes  AverageElapsedTime: 7 ms"],
            statistics.DrainReport());
    }

    [Fact]
    public async Task Concurrent_records_and_drains_lose_nothing()
    {
        var statistics = new CmgServiceRequestStatistics();
        const int Threads = 8;
        const int PerThread = 20_000;
        var drained = new List<string>();
        using var done = new CancellationTokenSource();

        var drainer = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                drained.AddRange(statistics.DrainReport());
            }
        });
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                statistics.Record(i % 2 == 0 ? "/x" : "/y", 3, 5, TimeSpan.FromMilliseconds(1));
            }
        });
        done.Cancel();
        await drainer;
        drained.AddRange(statistics.DrainReport());

        long requests = 0, requestBytes = 0, responseBytes = 0;
        foreach (var line in drained)
        {
            var fields = line.Split("  ");
            requests += long.Parse(fields[1]["RequestCount: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            requestBytes += long.Parse(fields[2]["RequestSize: ".Length..^" Bytes".Length], System.Globalization.CultureInfo.InvariantCulture);
            responseBytes += long.Parse(fields[4]["ResponseSize: ".Length..^" Bytes".Length], System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal(Threads * PerThread, requests);
        Assert.Equal(3L * Threads * PerThread, requestBytes);
        Assert.Equal(5L * Threads * PerThread, responseBytes);
    }
}
