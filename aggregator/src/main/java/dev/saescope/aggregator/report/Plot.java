package dev.saescope.aggregator.report;

import java.util.List;

/**
 * A plot as data: curves over a numeric x with optional 95% bands, or bars. Renderers only draw it.
 *
 * @param name the file's base name
 * @param title the plot's title
 * @param xLabel x axis
 * @param yLabel y axis
 * @param series the curves, drawn in order
 * @param bars whether to draw the series as a histogram (steps) rather than curves
 */
record Plot(
    String name, String title, String xLabel, String yLabel, List<Series> series, boolean bars) {
  Plot {
    series = List.copyOf(series);
  }

  /**
   * One curve; points whose value is NaN are left out, and the band where either end is NaN.
   *
   * @param label the legend's text
   * @param x positions // [points]
   * @param y values // [points]
   * @param low lower band end, or null for no band // [points]
   * @param high upper band end, or null // [points]
   */
  record Series(String label, double[] x, double[] y, double[] low, double[] high) {
    Series {
      if (x.length != y.length
          || (low == null) != (high == null)
          || (low != null && (low.length != x.length || high.length != x.length))) {
        throw new IllegalArgumentException("plot series " + label + ": lengths differ");
      }
    }

    boolean positiveX() {
      for (double v : x) {
        if (!(v > 0)) {
          return false;
        }
      }
      return true;
    }

    boolean hasPoints() {
      for (double v : y) {
        if (Double.isFinite(v)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Whether any series has a point to draw. */
  boolean isEmpty() {
    return series.stream().noneMatch(Series::hasPoints);
  }
}
