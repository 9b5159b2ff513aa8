package dev.saescope.aggregator.report;

import dev.saescope.aggregator.analysis.Cell;
import dev.saescope.aggregator.stats.Estimate;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One CSV per table (RFC 4180, comma, header first). The columns are the row record's components in
 * order, in snake_case; an estimate {@code x} becomes {@code x_value, x_ci_low, x_ci_high, x_n,
 * x_p}, a cell the same plus {@code x_absent} (the reason); NaN and absent numbers are empty.
 */
final class ReportCsv {
  private ReportCsv() {}

  /** The header of a table of {@code rowType}. */
  static List<String> header(Class<? extends Record> rowType) {
    List<String> columns = new ArrayList<>();
    for (RecordComponent c : rowType.getRecordComponents()) {
      String name = snake(c.getName());
      if (c.getType() == Estimate.class || c.getType() == Cell.class) {
        for (String part : new String[] {"value", "ci_low", "ci_high", "n", "p"}) {
          columns.add(name + "_" + part);
        }
        if (c.getType() == Cell.class) {
          columns.add(name + "_absent");
        }
      } else {
        columns.add(name);
      }
    }
    return columns;
  }

  /** The whole CSV text of a table. */
  static String write(Class<? extends Record> rowType, List<?> rows) {
    StringBuilder out = new StringBuilder();
    line(out, header(rowType));
    for (Object row : rows) {
      List<String> cells = new ArrayList<>();
      for (RecordComponent c : rowType.getRecordComponents()) {
        Object v = get(c, row);
        if (v instanceof Estimate e) {
          estimate(cells, e);
        } else if (v instanceof Cell cell) {
          if (cell.isPresent()) {
            estimate(cells, cell.estimate());
            cells.add("");
          } else {
            for (int i = 0; i < 5; i++) {
              cells.add("");
            }
            cells.add(cell.absentReason());
          }
        } else if (v instanceof Double d) {
          cells.add(number(d));
        } else {
          cells.add(v == null ? "" : v.toString());
        }
      }
      line(out, cells);
    }
    return out.toString();
  }

  private static void estimate(List<String> cells, Estimate e) {
    cells.add(number(e.value()));
    cells.add(number(e.ciLow()));
    cells.add(number(e.ciHigh()));
    cells.add(Integer.toString(e.n()));
    cells.add(number(e.p()));
  }

  static String number(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "";
  }

  private static Object get(RecordComponent c, Object row) {
    try {
      return c.getAccessor().invoke(row);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + c.getName() + " of " + row, e);
    }
  }

  private static void line(StringBuilder out, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(quote(cells.get(i)));
    }
    out.append("\r\n");
  }

  /** RFC 4180: quote a field with a comma, quote or line break, doubling its quotes. */
  static String quote(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  static String snake(String camel) {
    StringBuilder b = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        b.append('_').append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }
}
