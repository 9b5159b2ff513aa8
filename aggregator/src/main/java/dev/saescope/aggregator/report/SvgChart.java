package dev.saescope.aggregator.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a {@link Plot} as SVG with XChart: each curve a line with markers, its 95% band a
 * translucent polygon of the same colour (upper ends left to right, then lower ends back), hidden
 * from the legend.
 */
final class SvgChart {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 480;

  /** Colour-blind-safe palette (Okabe & Ito 2008, "Color universal design"). */
  private static final Color[] PALETTE = {
    new Color(0x0072B2),
    new Color(0xD55E00),
    new Color(0x009E73),
    new Color(0xCC79A7),
    new Color(0xE69F00),
    new Color(0x56B4E9),
    new Color(0xF0E442),
    new Color(0x000000)
  };

  private SvgChart() {}

  /** The SVG document of {@code plot}. */
  static byte[] render(Plot plot) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(plot.title())
            .xAxisTitle(plot.xLabel())
            .yAxisTitle(plot.yLabel())
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setLegendVisible(!plot.bars());
    if (plot.bars()) {
      chart.getStyler().setYAxisMin(0.0);
      // Activation bins are log-spaced (cards.Histogram): a log axis draws them equally wide.
      chart
          .getStyler()
          .setXAxisLogarithmic(plot.series().stream().allMatch(Plot.Series::positiveX));
    }
    int colour = 0;
    for (Plot.Series s : plot.series()) {
      if (!s.hasPoints()) {
        continue;
      }
      Color c = PALETTE[colour++ % PALETTE.length];
      band(chart, s, c);
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.y()[i])) {
          x.add(s.x()[i]);
          y.add(s.y()[i]);
        }
      }
      XYSeries line = chart.addSeries(s.label(), x, y);
      line.setLineColor(c);
      line.setMarkerColor(c);
      line.setFillColor(c);
      if (plot.bars()) {
        line.setXYSeriesRenderStyle(XYSeriesRenderStyle.StepArea);
        line.setMarker(SeriesMarkers.NONE);
      } else {
        line.setMarker(SeriesMarkers.CIRCLE);
        line.setLineStyle(new BasicStroke(2f));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsFormat.SVG);
    } catch (IOException e) {
      throw new UncheckedIOException("drawing " + plot.name() + " in memory", e);
    }
    return out.toByteArray();
  }

  private static void band(XYChart chart, Plot.Series s, Color c) {
    if (s.low() == null) {
      return;
    }
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    List<Integer> defined = new ArrayList<>();
    for (int i = 0; i < s.x().length; i++) {
      if (Double.isFinite(s.low()[i]) && Double.isFinite(s.high()[i])) {
        defined.add(i);
      }
    }
    if (defined.size() < 2) {
      return;
    }
    for (int i : defined) {
      x.add(s.x()[i]);
      y.add(s.high()[i]);
    }
    for (int k = defined.size() - 1; k >= 0; k--) {
      x.add(s.x()[defined.get(k)]);
      y.add(s.low()[defined.get(k)]);
    }
    XYSeries band = chart.addSeries(s.label() + " 95% CI", x, y);
    band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
    Color translucent = new Color(c.getRed(), c.getGreen(), c.getBlue(), 60);
    band.setFillColor(translucent);
    band.setLineColor(translucent);
    band.setMarker(SeriesMarkers.NONE);
    band.setShowInLegend(false);
  }
}
