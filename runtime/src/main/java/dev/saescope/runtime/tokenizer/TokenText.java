package dev.saescope.runtime.tokenizer;

/**
 * Token strings are untrusted text: Gemma's vocabulary holds HTML-like pieces ({@code <b>}, {@code
 * </div>}), control characters and lone spaces. These helpers make them safe and visible where they
 * are shown.
 */
public final class TokenText {
  private TokenText() {}

  /**
   * A double-quoted, Java/JSON-style escaped form for terminals: quotes, backslashes and every
   * control or invisible character become escapes, so {@code " Paris"} shows its space and a {@code
   * \n} token cannot break a table.
   */
  public static String quoted(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    s.codePoints()
        .forEach(
            cp -> {
              switch (cp) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                  if (Character.isISOControl(cp)
                      || Character.getType(cp) == Character.FORMAT
                      || Character.getType(cp) == Character.UNASSIGNED
                      || cp == 0x2028
                      || cp == 0x2029) {
                    if (cp > 0xFFFF) {
                      b.append(String.format("\\U%08X", cp));
                    } else {
                      b.append(String.format("\\u%04X", cp));
                    }
                  } else {
                    b.appendCodePoint(cp);
                  }
                }
              }
            });
    return b.append('"').toString();
  }

  /** Escapes {@code & < > " '} for HTML text and attribute values. */
  public static String html(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
