package dev.saescope.schemas;

/** Which token a {@link TargetScore} scores, relative to its position (EXPERIMENTS.md §4). */
public enum ScoreRole {
  /** The token that actually comes next. */
  NEXT("next"),
  /** The answer's first token, scored at {@code q_end} (E2b). */
  ANS0("ans0"),
  /** The first token of the first gold object, scored at {@code q_end} (E2b, E3b). */
  GOLD0("gold0"),
  /** The token 2 ahead (E2c, N = 1). */
  FUTURE1("future1"),
  /** The token 3 ahead (E2c, N = 2). */
  FUTURE2("future2"),
  /** The token 4 ahead (E2c, N = 3). */
  FUTURE3("future3");

  private final String wireName;

  ScoreRole(String wireName) {
    this.wireName = wireName;
  }

  /** The name results carry on the wire. */
  public String wireName() {
    return wireName;
  }

  /**
   * @throws IllegalArgumentException naming the value and the accepted names
   */
  public static ScoreRole fromWireName(String name) {
    for (ScoreRole r : values()) {
      if (r.wireName.equals(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown score role '"
            + name
            + "'; expected next, ans0, gold0, future1, future2 or future3");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
