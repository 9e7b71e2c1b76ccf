using System.Globalization;
using System.Net;
using System.Text;

namespace CmgSim.LoadTests.Engine.Reporting;

/// <summary>One line of a chart: (x, y) points; NaN y values leave a gap.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

/// <summary>Self-contained inline SVG line charts (no scripts, no external resources).</summary>
internal static class SvgChart
{
    private const int Width = 920;
    private const int Height = 280;
    private const int Left = 64;
    private const int Right = 190;
    private const int Top = 34;
    private const int Bottom = 42;

    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string Line(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var xMin = points.Count > 0 ? Math.Min(0, points.Min(p => p.X)) : 0;
        var xMax = points.Count > 0 ? points.Max(p => p.X) : 1;
        var yMax = points.Count > 0 ? points.Max(p => p.Y) : 1;
        if (xMax <= xMin)
        {
            xMax = xMin + 1;
        }

        var yStep = NiceStep(yMax <= 0 ? 1 : yMax / 5);
        yMax = Math.Max(yStep, Math.Ceiling(yMax / yStep) * yStep);
        var xStep = NiceStep((xMax - xMin) / 8);
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double Sx(double x) => Left + ((x - xMin) / (xMax - xMin) * plotWidth);
        double Sy(double y) => Top + plotHeight - (y / yMax * plotHeight);

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">"));
        svg.Append(F($"<title>{Esc(title)}</title>"));
        svg.Append(F($"<text x=\"{Left}\" y=\"20\" class=\"ct\" font-size=\"14\" font-weight=\"600\">{Esc(title)}</text>"));
        for (var y = 0.0; y <= yMax + (yStep / 2); y += yStep)
        {
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{Sy(y):0.#}\" x2=\"{Left + plotWidth}\" y2=\"{Sy(y):0.#}\" class=\"grid\" stroke=\"#e6e6e6\"/>"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{Sy(y) + 4:0.#}\" text-anchor=\"end\" class=\"tick\">{Num(y)}</text>"));
        }

        for (var x = Math.Ceiling(xMin / xStep) * xStep; x <= xMax + (xStep / 100); x += xStep)
        {
            svg.Append(F($"<line x1=\"{Sx(x):0.#}\" y1=\"{Top}\" x2=\"{Sx(x):0.#}\" y2=\"{Top + plotHeight}\" class=\"grid\" stroke=\"#e6e6e6\"/>"));
            svg.Append(F($"<text x=\"{Sx(x):0.#}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\" class=\"tick\">{Num(x)}</text>"));
        }

        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" class=\"frame\" fill=\"none\" stroke=\"#999\"/>"));
        svg.Append(F($"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 6}\" text-anchor=\"middle\" class=\"axis\">{Esc(xLabel)}</text>"));
        svg.Append(F($"<text x=\"14\" y=\"{Top + (plotHeight / 2)}\" text-anchor=\"middle\" class=\"axis\" transform=\"rotate(-90 14 {Top + (plotHeight / 2)})\">{Esc(yLabel)}</text>"));

        for (var i = 0; i < series.Count; i++)
        {
            var color = Palette[i % Palette.Length];
            var dash = series[i].Dashed ? " stroke-dasharray=\"6 4\"" : "";
            foreach (var run in Runs(series[i].Points))
            {
                if (run.Count == 1)
                {
                    svg.Append(F($"<circle cx=\"{Sx(run[0].X):0.##}\" cy=\"{Sy(run[0].Y):0.##}\" r=\"2.5\" fill=\"{color}\"/>"));
                    continue;
                }

                svg.Append(F($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{dash} points=\""));
                foreach (var (x, y) in run)
                {
                    svg.Append(F($"{Sx(x):0.##},{Sy(y):0.##} "));
                }

                svg.Append("\"/>");
            }

            var ly = Top + 8 + (i * 18);
            svg.Append(F($"<line x1=\"{Width - Right + 14}\" y1=\"{ly}\" x2=\"{Width - Right + 38}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"3\"{dash}/>"));
            svg.Append(F($"<text x=\"{Width - Right + 44}\" y=\"{ly + 4}\" class=\"legend\">{Esc(series[i].Name)}</text>"));
        }

        if (points.Count == 0)
        {
            svg.Append(F($"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Top + (plotHeight / 2)}\" text-anchor=\"middle\" class=\"axis\">no data</text>"));
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static IEnumerable<List<(double X, double Y)>> Runs(IReadOnlyList<(double X, double Y)> points)
    {
        var run = new List<(double X, double Y)>();
        foreach (var point in points)
        {
            if (double.IsFinite(point.X) && double.IsFinite(point.Y))
            {
                run.Add(point);
            }
            else if (run.Count > 0)
            {
                yield return run;
                run = [];
            }
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }

    private static double NiceStep(double raw)
    {
        if (!(raw > 0) || !double.IsFinite(raw))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static string Num(double value) => Math.Abs(value) >= 1000
        ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Esc(string text) => WebUtility.HtmlEncode(text);

    private static string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
