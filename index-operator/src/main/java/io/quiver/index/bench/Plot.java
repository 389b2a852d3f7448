package io.quiver.index.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts of the benchmarks: recall against QPS, and plain line charts of measured series. */
public final class Plot {

    private Plot() {}

    static void recallQps(List<Curve> curves, int k, Path png, String title) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(900)
                        .height(600)
                        .title(title)
                        .xAxisTitle("recall@" + k)
                        .yAxisTitle("queries per second (1 thread)")
                        .build();
        chart.getStyler().setYAxisLogarithmic(true);
        for (Curve c : curves) {
            double[] x = new double[c.points.size()];
            double[] y = new double[c.points.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = c.points.get(i)[0];
                y[i] = c.points.get(i)[1];
            }
            chart.addSeries(c.system, x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, png);
    }

    /**
     * A line chart with one series per entry of {@code series}: name to {x values, y values}, drawn
     * in the map's iteration order; an empty series is left out.
     */
    public static void lines(
            String title,
            String xTitle,
            String yTitle,
            Map<String, double[][]> series,
            boolean logY,
            Path png)
            throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(900)
                        .height(500)
                        .title(title)
                        .xAxisTitle(xTitle)
                        .yAxisTitle(yTitle)
                        .build();
        chart.getStyler().setYAxisLogarithmic(logY);
        for (Map.Entry<String, double[][]> s : series.entrySet()) {
            if (s.getValue()[0].length > 0) {
                chart.addSeries(s.getKey(), s.getValue()[0], s.getValue()[1])
                        .setMarker(SeriesMarkers.NONE);
            }
        }
        save(chart, png);
    }

    private static void save(XYChart chart, Path png) throws IOException {
        String file = png.toString();
        BitmapEncoder.saveBitmap(
                chart, file.substring(0, file.length() - 4), BitmapEncoder.BitmapFormat.PNG);
    }
}
