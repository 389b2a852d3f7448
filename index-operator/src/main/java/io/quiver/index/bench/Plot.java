package io.quiver.index.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The recall-vs-QPS chart (log QPS), one line per system. */
final class Plot {

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
        String file = png.toString();
        BitmapEncoder.saveBitmap(
                chart, file.substring(0, file.length() - 4), BitmapEncoder.BitmapFormat.PNG);
    }
}
