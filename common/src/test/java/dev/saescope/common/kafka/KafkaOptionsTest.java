package dev.saescope.common.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/** Options → client properties, and every way a user can get them wrong. */
class KafkaOptionsTest {
  @TempDir Path dir;

  /** A command carrying the mixin, to parse real command lines. */
  static final class Cmd implements Runnable {
    @Mixin KafkaOptions kafka;

    @Override
    public void run() {}
  }

  static KafkaOptions parse(String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    return cmd.kafka;
  }

  @Test
  void defaultsPointAtLocalBroker() throws Exception {
    KafkaSettings s = parse().resolve(Map.of());
    assertEquals("127.0.0.1:9092", s.bootstrapServers());
    assertEquals("saescope.tasks", s.topics().tasks());
    assertEquals(10, s.brokerTimeout().toSeconds());
  }

  @Test
  void precedenceFileEnvPropFlag() throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(
        file,
        "# a comment\nbootstrap.servers=file:1\nsecurity.protocol = SASL_SSL\n"
            + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n    username=\"u\" password=\"p\";\n");
    KafkaSettings fromFile = parse("--kafka-config", file.toString()).resolve(Map.of());
    assertEquals("file:1", fromFile.bootstrapServers());
    assertEquals("SASL_SSL", fromFile.client().getProperty("security.protocol"));
    assertEquals(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
        fromFile.client().getProperty("sasl.jaas.config"));

    Map<String, String> env =
        Map.of(KafkaOptions.BOOTSTRAP_ENV, "env:2", KafkaOptions.PREFIX_ENV, "e.");
    assertEquals("env:2", parse("--kafka-config", file.toString()).resolve(env).bootstrapServers());
    assertEquals("e.results", parse().resolve(env).topics().results());
    assertEquals(
        "prop:3",
        parse("--kafka-config", file.toString(), "--kafka-prop", "bootstrap.servers=prop:3")
            .resolve(env)
            .bootstrapServers());
    KafkaSettings all =
        parse(
                "--kafka-config",
                file.toString(),
                "--kafka-prop",
                "bootstrap.servers=prop:3",
                "--bootstrap-servers",
                "flag:4",
                "--topic-prefix",
                "x-",
                "--broker-timeout",
                "3")
            .resolve(env);
    assertEquals("flag:4", all.bootstrapServers());
    assertEquals("x-dead-letter", all.topics().deadLetter());
    assertEquals(3, all.brokerTimeout().toSeconds());
  }

  @Test
  void kafkaPropWithoutEqualsIsNamed() {
    var e =
        assertThrows(
            KafkaConfigException.class, () -> parse("--kafka-prop", "acks").resolve(Map.of()));
    assertTrue(e.getMessage().contains("--kafka-prop 'acks' has no '='"), e.getMessage());
    var empty =
        assertThrows(
            KafkaConfigException.class, () -> parse("--kafka-prop", "=1").resolve(Map.of()));
    assertTrue(empty.getMessage().contains("empty key"), empty.getMessage());
  }

  @Test
  void missingConfigFileIsNamed() {
    Path missing = dir.resolve("nope.properties");
    var e =
        assertThrows(
            KafkaConfigException.class,
            () -> parse("--kafka-config", missing.toString()).resolve(Map.of()));
    assertTrue(
        e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
        e.getMessage());
  }

  @Test
  void directoryAsConfigFileIsNamed() {
    var e =
        assertThrows(
            KafkaConfigException.class,
            () -> parse("--kafka-config", dir.toString()).resolve(Map.of()));
    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
  }

  @Test
  void malformedConfigFileNamesFileAndLine() throws Exception {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "bootstrap.servers=a:1\n\n# ok so far\nsecurity.protocol SSL\n");
    var e =
        assertThrows(
            KafkaConfigException.class,
            () -> parse("--kafka-config", file.toString()).resolve(Map.of()));
    assertTrue(
        e.getMessage().contains(file + " line 4")
            && e.getMessage().contains("security.protocol SSL"),
        e.getMessage());

    Path escape = dir.resolve("escape.properties");
    Files.writeString(escape, "a=1\nb=\\u12G4\n");
    var e2 =
        assertThrows(
            KafkaConfigException.class,
            () -> parse("--kafka-config", escape.toString()).resolve(Map.of()));
    assertTrue(e2.getMessage().contains(escape + " line 2"), e2.getMessage());
  }

  @Test
  void badBootstrapAndPrefixAreNamed() {
    var e =
        assertThrows(
            KafkaConfigException.class,
            () -> parse("--bootstrap-servers", "localhost").resolve(Map.of()));
    assertTrue(e.getMessage().contains("'localhost' is not HOST:PORT"), e.getMessage());
    var p =
        assertThrows(
            KafkaConfigException.class, () -> parse("--topic-prefix", "a b").resolve(Map.of()));
    assertTrue(p.getMessage().startsWith("--topic-prefix"), p.getMessage());
    var t =
        assertThrows(
            KafkaConfigException.class, () -> parse("--broker-timeout", "0").resolve(Map.of()));
    assertTrue(t.getMessage().contains("--broker-timeout"), t.getMessage());
  }
}
