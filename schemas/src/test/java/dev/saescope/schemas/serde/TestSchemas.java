package dev.saescope.schemas.serde;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;

/** PromptTask schema variants kept under test resources {@code schemas-test/PromptTask/}. */
final class TestSchemas {
  private TestSchemas() {}

  static Schema load(String file) throws Exception {
    String path = "schemas-test/PromptTask/" + file + ".avsc";
    try (InputStream in = TestSchemas.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + path);
      }
      return new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
