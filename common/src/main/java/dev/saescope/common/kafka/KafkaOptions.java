package dev.saescope.common.kafka;

import dev.saescope.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

/**
 * The Kafka options every command that talks to a broker shares (a picocli mixin: {@code @Mixin
 * KafkaOptions kafka;}). {@link #resolve()} turns them into {@link KafkaSettings}.
 *
 * <p>Precedence for {@code bootstrap.servers}, lowest first: {@code --kafka-config} file, the
 * {@code SAESCOPE_BOOTSTRAP_SERVERS} environment variable, {@code --kafka-prop}, {@code
 * --bootstrap-servers}; {@value KafkaSettings#DEFAULT_BOOTSTRAP} when none is set. Other
 * properties: file, then {@code --kafka-prop} (later wins).
 */
public final class KafkaOptions {
  /** Environment variable read for the bootstrap servers. */
  public static final String BOOTSTRAP_ENV = "SAESCOPE_BOOTSTRAP_SERVERS";

  /** Environment variable read for the topic prefix. */
  public static final String PREFIX_ENV = "SAESCOPE_TOPIC_PREFIX";

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT[,...]",
      description =
          "Kafka brokers to connect to (default: $"
              + BOOTSTRAP_ENV
              + ", else "
              + KafkaSettings.DEFAULT_BOOTSTRAP
              + ").")
  String bootstrapServers;

  @Option(
      names = "--kafka-prop",
      paramLabel = "KEY=VALUE",
      description = "A Kafka client property, repeatable (e.g. security.protocol=SASL_SSL).")
  List<String> kafkaProps = new ArrayList<>();

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description = "A Java properties file of Kafka client properties (TLS, SASL, ...).")
  Path kafkaConfig;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      description =
          "Prefix of every saescope topic (default: $"
              + PREFIX_ENV
              + ", else '"
              + Topics.DEFAULT_PREFIX
              + "').")
  String topicPrefix;

  @Option(
      names = "--broker-timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description =
          "How long to wait for a broker to answer before giving up (default: ${DEFAULT-VALUE}).")
  int brokerTimeoutSeconds = 10;

  /** Options as if nothing was given on the command line. */
  public KafkaOptions() {}

  /** Options pointing at {@code bootstrapServers} (tests and in-process callers). */
  public static KafkaOptions forBootstrap(String bootstrapServers) {
    KafkaOptions o = new KafkaOptions();
    o.bootstrapServers = bootstrapServers;
    return o;
  }

  /** Adds a {@code --kafka-prop} value. */
  public KafkaOptions addProperty(String keyValue) {
    kafkaProps.add(keyValue);
    return this;
  }

  /** Sets {@code --kafka-config}. */
  public KafkaOptions configFile(Path file) {
    this.kafkaConfig = file;
    return this;
  }

  /** Sets {@code --topic-prefix}. */
  public KafkaOptions topicPrefix(String prefix) {
    this.topicPrefix = prefix;
    return this;
  }

  /** Sets {@code --broker-timeout}. */
  public KafkaOptions brokerTimeoutSeconds(int seconds) {
    this.brokerTimeoutSeconds = seconds;
    return this;
  }

  /**
   * Resolves the options against the process environment.
   *
   * @throws KafkaConfigException naming the option, file or line that is wrong
   */
  public KafkaSettings resolve() throws KafkaConfigException {
    return resolve(System.getenv());
  }

  /** As {@link #resolve()}, against the given environment (tests). */
  KafkaSettings resolve(Map<String, String> env) throws KafkaConfigException {
    Properties props =
        kafkaConfig == null ? new Properties() : ClientProperties.readFile(kafkaConfig);
    String fromEnv = env.get(BOOTSTRAP_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, fromEnv.trim());
    }
    for (String kv : kafkaProps) {
      ClientProperties.putOption(props, kv);
    }
    if (bootstrapServers != null) {
      props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers.trim());
    }
    props.putIfAbsent(
        CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, KafkaSettings.DEFAULT_BOOTSTRAP);
    checkBootstrap(props.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));

    String prefix =
        topicPrefix != null ? topicPrefix : env.getOrDefault(PREFIX_ENV, Topics.DEFAULT_PREFIX);
    Topics topics;
    try {
      topics = new Topics(prefix);
    } catch (IllegalArgumentException e) {
      throw new KafkaConfigException("--topic-prefix: " + e.getMessage(), e);
    }
    if (brokerTimeoutSeconds <= 0) {
      throw new KafkaConfigException(
          "--broker-timeout must be a positive number of seconds, got " + brokerTimeoutSeconds);
    }
    return new KafkaSettings(props, topics, Duration.ofSeconds(brokerTimeoutSeconds));
  }

  /** Every entry must look like host:port, so a typo fails here rather than as a timeout. */
  private static void checkBootstrap(String servers) throws KafkaConfigException {
    if (servers.isBlank()) {
      throw new KafkaConfigException(
          "bootstrap servers are empty: expected HOST:PORT[,HOST:PORT...]");
    }
    for (String s : servers.split(",")) {
      String entry = s.trim();
      // Strip a listener prefix such as SASL_SSL:// which some users paste from broker configs.
      int scheme = entry.indexOf("://");
      if (scheme >= 0) {
        entry = entry.substring(scheme + 3);
      }
      int colon = entry.lastIndexOf(':');
      boolean ok = colon > 0 && colon < entry.length() - 1;
      if (ok) {
        try {
          int port = Integer.parseInt(entry.substring(colon + 1));
          ok = port > 0 && port < 65536;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok) {
        throw new KafkaConfigException(
            "bootstrap server '"
                + s.trim()
                + "' is not HOST:PORT (in bootstrap.servers '"
                + servers
                + "')");
      }
    }
  }
}
