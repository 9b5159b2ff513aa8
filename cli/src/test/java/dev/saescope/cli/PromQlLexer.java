package dev.saescope.cli;

import dev.saescope.cli.PromQlNames.PromQlException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits PromQL into tokens for {@link PromQlNames}: identifiers, numbers, durations, strings,
 * Grafana template variables, brackets, commas and operators; {@code #} comments are dropped.
 * Anything else is a {@link PromQlException} naming the column.
 */
final class PromQlLexer {
  private PromQlLexer() {}

  enum Kind {
    IDENT,
    NUMBER,
    DURATION,
    STRING,
    VARIABLE,
    OPEN_PAREN,
    CLOSE_PAREN,
    OPEN_BRACE,
    CLOSE_BRACE,
    OPEN_BRACKET,
    CLOSE_BRACKET,
    COMMA,
    OPERATOR
  }

  /** A token; {@code column} is 1-based. */
  record Token(Kind kind, String text, int column) {}

  static List<Token> tokenize(String expr) {
    List<Token> out = new ArrayList<>();
    int n = expr.length();
    int i = 0;
    while (i < n) {
      char c = expr.charAt(i);
      int col = i + 1;
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        while (i < n && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        int j = i + 1;
        while (j < n && expr.charAt(j) != c) {
          j += c != '`' && expr.charAt(j) == '\\' ? 2 : 1;
        }
        if (j >= n) {
          throw new PromQlException(expr, col, "unterminated string");
        }
        out.add(new Token(Kind.STRING, expr.substring(i, j + 1), col));
        i = j + 1;
      } else if (c == '$') {
        int j = i + 1;
        if (j < n && expr.charAt(j) == '{') {
          int close = expr.indexOf('}', j);
          if (close < 0 || close == j + 1) {
            throw new PromQlException(expr, col, "malformed template variable '${...}'");
          }
          j = close + 1;
        } else {
          while (j < n
              && isIdentPart(expr.charAt(j))
              && expr.charAt(j) != ':') { // ${x:fmt} only in braces
            j++;
          }
          if (j == i + 1) {
            throw new PromQlException(expr, col, "'$' not followed by a template variable name");
          }
        }
        out.add(new Token(Kind.VARIABLE, expr.substring(i, j), col));
        i = j;
      } else if (c == '[' && expr.startsWith("[[", i) && !expr.startsWith("[[[", i)) {
        int close = expr.indexOf("]]", i);
        if (close < 0) {
          throw new PromQlException(expr, col, "unterminated template variable '[[...'");
        }
        out.add(new Token(Kind.VARIABLE, expr.substring(i, close + 2), col));
        i = close + 2;
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1)))) {
        int j = number(expr, i);
        if (j < n
            && "smhdwy".indexOf(expr.charAt(j)) >= 0
            && expr.substring(i, j).chars().allMatch(Character::isDigit)) {
          // a duration: one or more <int><unit> parts, e.g. 1h30m, 500ms
          j = i;
          while (j < n && Character.isDigit(expr.charAt(j))) {
            int k = j;
            while (k < n && Character.isDigit(expr.charAt(k))) {
              k++;
            }
            int u = k;
            while (u < n && "smhdwy".indexOf(expr.charAt(u)) >= 0) {
              u++;
            }
            if (u == k) {
              throw new PromQlException(expr, k + 1, "duration part without a unit");
            }
            j = u;
          }
          out.add(new Token(Kind.DURATION, expr.substring(i, j), col));
        } else {
          out.add(new Token(Kind.NUMBER, expr.substring(i, j), col));
        }
        if (j < n && (isIdentStart(expr.charAt(j)) || Character.isDigit(expr.charAt(j)))) {
          throw new PromQlException(
              expr, j + 1, "malformed number or duration '" + expr.substring(i, j + 1) + "'");
        }
        i = j;
      } else if (isIdentStart(c)) {
        int j = i + 1;
        while (j < n && isIdentPart(expr.charAt(j))) {
          j++;
        }
        out.add(new Token(Kind.IDENT, expr.substring(i, j), col));
        i = j;
      } else {
        Kind single =
            switch (c) {
              case '(' -> Kind.OPEN_PAREN;
              case ')' -> Kind.CLOSE_PAREN;
              case '{' -> Kind.OPEN_BRACE;
              case '}' -> Kind.CLOSE_BRACE;
              case '[' -> Kind.OPEN_BRACKET;
              case ']' -> Kind.CLOSE_BRACKET;
              case ',' -> Kind.COMMA;
              default -> null;
            };
        if (single != null) {
          out.add(new Token(single, String.valueOf(c), col));
          i++;
          continue;
        }
        String two = i + 1 < n ? expr.substring(i, i + 2) : "";
        if (Set.of("==", "!=", "<=", ">=", "=~", "!~").contains(two)) {
          out.add(new Token(Kind.OPERATOR, two, col));
          i += 2;
        } else if ("+-*/%^<>=@:".indexOf(c) >= 0) {
          out.add(new Token(Kind.OPERATOR, String.valueOf(c), col));
          i++;
        } else {
          throw new PromQlException(expr, col, "unexpected character '" + c + "'");
        }
      }
    }
    return out;
  }

  /** End of a number at {@code i}: decimal with optional fraction and exponent, or hex. */
  private static int number(String s, int i) {
    int n = s.length();
    int j = i;
    if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
      j = i + 2;
      while (j < n && Character.digit(s.charAt(j), 16) >= 0) {
        j++;
      }
      return j;
    }
    while (j < n && Character.isDigit(s.charAt(j))) {
      j++;
    }
    if (j < n && s.charAt(j) == '.') {
      j++;
      while (j < n && Character.isDigit(s.charAt(j))) {
        j++;
      }
    }
    if (j < n && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
      int k = j + 1;
      if (k < n && (s.charAt(k) == '+' || s.charAt(k) == '-')) {
        k++;
      }
      if (k < n && Character.isDigit(s.charAt(k))) {
        j = k;
        while (j < n && Character.isDigit(s.charAt(j))) {
          j++;
        }
      }
    }
    return j;
  }

  /**
   * Metric names may also start with ':' but recording rules never do that in practice, and a
   * leading ':' is the subquery separator in {@code [5m:1m]}.
   */
  private static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private static boolean isIdentPart(char c) {
    return isIdentStart(c) || c == ':' || (c >= '0' && c <= '9');
  }
}
