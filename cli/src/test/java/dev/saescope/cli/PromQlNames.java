package dev.saescope.cli;

import dev.saescope.cli.PromQlLexer.Kind;
import dev.saescope.cli.PromQlLexer.Token;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The series selectors a PromQL expression reads: metric name, label names it matches on, and the
 * function directly around it. Not a full PromQL parser, but strict where a wrong answer would hide
 * a broken dashboard query: unknown functions, unbalanced brackets, malformed label matchers,
 * durations out of place and selectors without a metric name are errors that give the column.
 *
 * <p>Grammar facts from the Prometheus docs (querying/basics, querying/operators,
 * querying/functions, Prometheus 3): identifiers are {@code [a-zA-Z_:][a-zA-Z0-9_:]*}; an
 * identifier followed by {@code (} is a function or aggregation; {@code by}, {@code without},
 * {@code on}, {@code ignoring}, {@code group_left} and {@code group_right} take a parenthesised
 * label list; strings use {@code "}, {@code '} or backticks; {@code #} starts a comment. Grafana
 * template variables ({@code $name}, {@code ${name}}, {@code ${name:format}}, {@code [[name]]}) may
 * stand wherever a duration or value may.
 */
final class PromQlNames {
  private PromQlNames() {}

  /**
   * One series selector: {@code metric{labels...}} at {@code column} (1-based), inside a call of
   * {@code function} ("" when directly inside plain parentheses or at top level).
   */
  record Selector(String metric, Set<String> labels, String function, int column) {}

  /** The expression cannot be read; the message names the column and quotes the expression. */
  static final class PromQlException extends IllegalArgumentException {
    PromQlException(String expr, int column, String problem) {
      super("PromQL \"" + expr + "\": column " + column + ": " + problem);
    }
  }

  static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio");

  static final Set<String> FUNCTIONS =
      Set.of(
          "abs",
          "absent",
          "absent_over_time",
          "acos",
          "acosh",
          "asin",
          "asinh",
          "atan",
          "atanh",
          "avg_over_time",
          "ceil",
          "changes",
          "clamp",
          "clamp_max",
          "clamp_min",
          "cos",
          "cosh",
          "count_over_time",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "days_in_month",
          "deg",
          "delta",
          "deriv",
          "double_exponential_smoothing",
          "end",
          "exp",
          "floor",
          "histogram_avg",
          "histogram_count",
          "histogram_fraction",
          "histogram_quantile",
          "histogram_stddev",
          "histogram_stdvar",
          "histogram_sum",
          "holt_winters",
          "hour",
          "idelta",
          "increase",
          "info",
          "irate",
          "label_join",
          "label_replace",
          "last_over_time",
          "ln",
          "log10",
          "log2",
          "mad_over_time",
          "max_over_time",
          "min_over_time",
          "minute",
          "month",
          "pi",
          "predict_linear",
          "present_over_time",
          "quantile_over_time",
          "rad",
          "rate",
          "resets",
          "round",
          "scalar",
          "sgn",
          "sin",
          "sinh",
          "sort",
          "sort_by_label",
          "sort_by_label_desc",
          "sort_desc",
          "sqrt",
          "start",
          "stddev_over_time",
          "stdvar_over_time",
          "sum_over_time",
          "tan",
          "tanh",
          "time",
          "timestamp",
          "vector",
          "year");

  /** Keywords followed by a parenthesised list of label names. */
  private static final Set<String> LABEL_LIST_KEYWORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private static final Set<String> OPERATOR_KEYWORDS =
      Set.of("and", "or", "unless", "bool", "atan2");

  /** Every selector of {@code expr}, in order of appearance. */
  static List<Selector> selectors(String expr) {
    if (expr == null || expr.isBlank()) {
      throw new PromQlException(String.valueOf(expr), 1, "empty expression");
    }
    List<Token> tokens = PromQlLexer.tokenize(expr);
    List<Selector> out = new ArrayList<>();
    // One entry per open '(' : the function it calls, "" for grouping or a label list.
    Deque<Token> parens = new ArrayDeque<>();
    Deque<String> calls = new ArrayDeque<>();
    String pendingCall = "";
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
      switch (t.kind()) {
        case IDENT -> {
          String word = t.text();
          String lower = word.toLowerCase(Locale.ROOT);
          if (OPERATOR_KEYWORDS.contains(lower) || lower.equals("inf") || lower.equals("nan")) {
            continue;
          }
          if (lower.equals("offset")) {
            int d = i + 1;
            if (d < tokens.size()
                && tokens.get(d).kind() == Kind.OPERATOR
                && tokens.get(d).text().equals("-")) {
              d++;
            }
            if (d >= tokens.size()
                || (tokens.get(d).kind() != Kind.DURATION
                    && tokens.get(d).kind() != Kind.VARIABLE)) {
              throw new PromQlException(
                  expr, t.column(), "'offset' must be followed by a duration");
            }
            i = d;
            continue;
          }
          if (LABEL_LIST_KEYWORDS.contains(lower)) {
            if (next != null && next.kind() == Kind.OPEN_PAREN) {
              i = skipLabelList(expr, tokens, i + 1);
            } else if (!lower.startsWith("group_")) {
              throw new PromQlException(
                  expr,
                  t.column(),
                  "'" + word + "' must be followed by a label list in parentheses");
            }
            continue;
          }
          if (next != null && next.kind() == Kind.OPEN_PAREN) {
            if (!FUNCTIONS.contains(word) && !AGGREGATIONS.contains(word)) {
              throw new PromQlException(expr, t.column(), "unknown function '" + word + "'");
            }
            pendingCall = word;
            continue;
          }
          if (AGGREGATIONS.contains(word)
              && next != null
              && next.kind() == Kind.IDENT
              && (next.text().equals("by") || next.text().equals("without"))) {
            pendingCall = word; // sum by (x) (...): the call's '(' comes after the label list
            continue;
          }
          Set<String> labels = new LinkedHashSet<>();
          if (next != null && next.kind() == Kind.OPEN_BRACE) {
            Matchers m = matchers(expr, tokens, i + 1);
            labels.addAll(m.labels());
            i = m.end();
          }
          out.add(new Selector(word, labels, calls.isEmpty() ? "" : calls.peek(), t.column()));
        }
        case OPEN_BRACE -> {
          Matchers m = matchers(expr, tokens, i);
          if (m.metric() == null) {
            throw new PromQlException(expr, t.column(), "selector without a metric name");
          }
          out.add(
              new Selector(
                  m.metric(), m.labels(), calls.isEmpty() ? "" : calls.peek(), t.column()));
          i = m.end();
        }
        case OPEN_BRACKET -> i = skipRange(expr, tokens, i);
        case OPEN_PAREN -> {
          parens.push(t);
          calls.push(pendingCall);
          pendingCall = "";
        }
        case CLOSE_PAREN -> {
          if (parens.isEmpty()) {
            throw new PromQlException(expr, t.column(), "')' without a matching '('");
          }
          parens.pop();
          calls.pop();
        }
        case CLOSE_BRACE, CLOSE_BRACKET ->
            throw new PromQlException(
                expr, t.column(), "'" + t.text() + "' without a matching opening bracket");
        case DURATION ->
            throw new PromQlException(
                expr, t.column(), "duration '" + t.text() + "' outside a range [..] or offset");
        case NUMBER, STRING, VARIABLE, COMMA, OPERATOR -> {
          // values, arguments and operators name no metric
        }
      }
    }
    if (!parens.isEmpty()) {
      throw new PromQlException(expr, parens.peek().column(), "'(' is never closed");
    }
    return out;
  }

  /** Label matchers from the '{' at {@code open}; {@code end} is the index of the '}'. */
  private record Matchers(String metric, Set<String> labels, int end) {}

  private static Matchers matchers(String expr, List<Token> tokens, int open) {
    Set<String> labels = new LinkedHashSet<>();
    String metric = null;
    int i = open + 1;
    while (true) {
      Token t = at(expr, tokens, i, tokens.get(open), "'{' is never closed");
      if (t.kind() == Kind.CLOSE_BRACE) {
        return new Matchers(metric, labels, i);
      }
      if (t.kind() != Kind.IDENT && t.kind() != Kind.STRING) {
        throw new PromQlException(
            expr, t.column(), "expected a label name in '{...}', found '" + t.text() + "'");
      }
      Token op = at(expr, tokens, i + 1, tokens.get(open), "'{' is never closed");
      if (t.kind() == Kind.STRING && (op.kind() == Kind.COMMA || op.kind() == Kind.CLOSE_BRACE)) {
        metric = unquote(t.text()); // Prometheus 3: {"metric.name", label="x"}
        i += op.kind() == Kind.COMMA ? 2 : 1;
        continue;
      }
      if (op.kind() != Kind.OPERATOR || !Set.of("=", "!=", "=~", "!~").contains(op.text())) {
        throw new PromQlException(
            expr, op.column(), "expected =, !=, =~ or !~ after label '" + t.text() + "'");
      }
      Token value = at(expr, tokens, i + 2, tokens.get(open), "'{' is never closed");
      if (value.kind() != Kind.STRING) {
        throw new PromQlException(
            expr,
            value.column(),
            "label '" + t.text() + "' must be matched against a quoted string");
      }
      String label = t.kind() == Kind.STRING ? unquote(t.text()) : t.text();
      if (label.equals("__name__") && op.text().equals("=")) {
        metric = unquote(value.text());
      } else {
        labels.add(label);
      }
      Token after = at(expr, tokens, i + 3, tokens.get(open), "'{' is never closed");
      if (after.kind() == Kind.COMMA) {
        i += 4;
      } else if (after.kind() == Kind.CLOSE_BRACE) {
        i += 3;
      } else {
        throw new PromQlException(
            expr,
            after.column(),
            "expected ',' or '}' after a label matcher, found '" + after.text() + "'");
      }
    }
  }

  /** Skips {@code [5m]}, {@code [$__rate_interval]}, {@code [1h:5m]}; returns the index of ']'. */
  private static int skipRange(String expr, List<Token> tokens, int open) {
    int i = open + 1;
    boolean any = false;
    while (true) {
      Token t = at(expr, tokens, i, tokens.get(open), "'[' is never closed");
      if (t.kind() == Kind.CLOSE_BRACKET) {
        if (!any) {
          throw new PromQlException(expr, tokens.get(open).column(), "empty range '[]'");
        }
        return i;
      }
      boolean ok =
          t.kind() == Kind.DURATION
              || t.kind() == Kind.VARIABLE
              || t.kind() == Kind.NUMBER
              || (t.kind() == Kind.OPERATOR && t.text().equals(":"));
      if (!ok) {
        throw new PromQlException(
            expr, t.column(), "expected a duration inside '[...]', found '" + t.text() + "'");
      }
      any |= t.kind() != Kind.OPERATOR;
      i++;
    }
  }

  /** Skips {@code (a, b)} after by/without/on/...; returns the index of ')'. */
  private static int skipLabelList(String expr, List<Token> tokens, int open) {
    int i = open + 1;
    while (true) {
      Token t = at(expr, tokens, i, tokens.get(open), "label list '(' is never closed");
      if (t.kind() == Kind.CLOSE_PAREN) {
        return i;
      }
      if (t.kind() != Kind.IDENT && t.kind() != Kind.STRING && t.kind() != Kind.COMMA) {
        throw new PromQlException(
            expr, t.column(), "expected a label name in the label list, found '" + t.text() + "'");
      }
      i++;
    }
  }

  private static Token at(String expr, List<Token> tokens, int i, Token open, String problem) {
    if (i >= tokens.size()) {
      throw new PromQlException(expr, open.column(), problem);
    }
    return tokens.get(i);
  }

  private static String unquote(String quoted) {
    return quoted.substring(1, quoted.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
  }
}
