namespace CmgSim.LoadTests.Engine.Reporting;

/// <summary>Which report files a run writes.</summary>
[Flags]
internal enum ReportFormats
{
    None = 0,
    Md = 1,
    Csv = 2,
    Json = 4,
    Html = 8,
    All = Md | Csv | Json | Html,
}

/// <summary>Writes <c>report.md</c>, <c>report.csv</c>, <c>report.json</c> and <c>report.html</c> into a folder.</summary>
internal static class ReportWriter
{
    public static async Task<IReadOnlyList<string>> WriteAsync(RunResult result, string folder, ReportFormats formats)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        async Task Write(ReportFormats format, string name, Func<RunResult, string> render)
        {
            if (formats.HasFlag(format))
            {
                var path = Path.GetFullPath(Path.Combine(folder, name));
                await File.WriteAllTextAsync(path, render(result));
                files.Add(path);
            }
        }

        await Write(ReportFormats.Md, "report.md", MarkdownReport.Render);
        await Write(ReportFormats.Csv, "report.csv", CsvReport.Render);
        await Write(ReportFormats.Json, "report.json", JsonReport.Render);
        await Write(ReportFormats.Html, "report.html", HtmlReport.Render);
        return files;
    }
}
