package dev.saescope.common.kafka;

import dev.saescope.schemas.Topics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Resolved Kafka settings every client starts from: the user's client properties (TLS, SASL,
 * bootstrap servers ...), the topic names and how long to wait for a broker before giving up.
 *
 * @param client common client properties; copied in and out, so callers cannot change them
 * @param topics topic names under the configured prefix
 * @param brokerTimeout how long admin calls and the first metadata fetch may wait for a broker
 */
public record KafkaSettings(Properties client, Topics topics, Duration brokerTimeout) {
  /** Where saescope looks for a broker when nothing else is configured. */
  public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

  /** How long to wait for a broker when nothing else is configured. */
  public static final Duration DEFAULT_BROKER_TIMEOUT = Duration.ofSeconds(10);

  public KafkaSettings {
    if (client == null
        || client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) == null) {
      throw new IllegalArgumentException("Kafka client properties need bootstrap.servers");
    }
    if (topics == null) {
      throw new IllegalArgumentException("topics is null");
    }
    if (brokerTimeout == null || brokerTimeout.isNegative() || brokerTimeout.isZero()) {
      throw new IllegalArgumentException("brokerTimeout must be positive, got " + brokerTimeout);
    }
    client = copy(client);
  }

  /**
   * Settings for a broker at {@code bootstrapServers}, default topics and timeout (tests, demo).
   */
  public static KafkaSettings forBootstrap(String bootstrapServers) {
    Properties p = new Properties();
    p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return new KafkaSettings(p, Topics.defaults(), DEFAULT_BROKER_TIMEOUT);
  }

  /** A copy of the client properties, safe to add role-specific settings to. */
  @Override
  public Properties client() {
    return copy(client);
  }

  /** The {@code bootstrap.servers} value. */
  public String bootstrapServers() {
    return client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
  }

  /** The same settings with other topic names. */
  public KafkaSettings withTopics(Topics other) {
    return new KafkaSettings(client, other, brokerTimeout);
  }

  /** The same settings with another broker timeout. */
  public KafkaSettings withBrokerTimeout(Duration timeout) {
    return new KafkaSettings(client, topics, timeout);
  }

  private static Properties copy(Properties p) {
    Properties out = new Properties();
    for (String k : p.stringPropertyNames()) {
      out.setProperty(k, p.getProperty(k));
    }
    return out;
  }
}
