package dev.saescope.producer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PatternTest {
  @Test
  void fillTidiesThePatternButNotTheSubject() {
    Pattern p = new Pattern("P19", 0, "[X] was born in [Y] .");
    assertEquals("A  B was born in Paris.", p.fill("A  B", "Paris"));
    Pattern.Filled f = p.fillLocated("A  B", "Paris");
    assertEquals("Paris", f.text().substring(f.objectStart(), f.objectStart() + 5));
  }

  @Test
  void clozeCutsBeforeTheObjectWithoutTrailingSpace() {
    assertEquals(
        Optional.of("Alan Turing works in the field of"),
        new Pattern("P101", 0, "[X] works in the field of [Y].").clozePrefix("Alan Turing"));
    assertEquals(
        Optional.of("Paris is the capital of"),
        new Pattern("P1376", 0, "[X] is the capital of [Y] .").clozePrefix("Paris"));
    assertEquals(Optional.of("X plays"), new Pattern("P1303", 0, "[X] plays [Y]").clozePrefix("X"));
    assertFalse(new Pattern("P36", 0, "[Y] is the capital of [X].").clozeEligible());
    assertFalse(new Pattern("P136", 0, "[X] plays [Y] music.").clozeEligible());
  }

  @Test
  void placeholdersMustAppearOnce() {
    assertThrows(IllegalArgumentException.class, () -> new Pattern("P1", 0, "[X] and [X] in [Y]"));
    assertThrows(IllegalArgumentException.class, () -> new Pattern("P1", 0, "[X] only"));
    assertTrue(new Pattern("P1", 0, "[X] in [Y]").subjectFirst());
  }
}
