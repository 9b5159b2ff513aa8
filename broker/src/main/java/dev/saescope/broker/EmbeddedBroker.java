package dev.saescope.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka node in this JVM: KRaft broker and controller combined, plaintext, on 127.0.0.1.
 * Formats its log directory on first start only, so a restart on the same data directory keeps
 * topics, messages and committed offsets. Holds an exclusive lock on the data directory while it
 * runs: a second broker there is refused before it writes anything.
 *
 * <pre>{@code
 * try (EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.at(dir))) {
 *   String bootstrap = broker.bootstrapServers(); // "127.0.0.1:40123"
 * }
 * }</pre>
 */
public final class EmbeddedBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
  private static final int NODE_ID = 1;
  private static final String LOOPBACK = "127.0.0.1";

  static {
    // Kafka's server registers a Log4j 2 MBean through the log4j-api; with no Log4j core on the
    // class path (we log through SLF4J) Log4j prints a scary "could not find a logging
    // implementation" error. Its built-in simple context is enough for that one MBean.
    if (System.getProperty("log4j2.loggerContextFactory") == null) {
      System.setProperty(
          "log4j2.loggerContextFactory",
          "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    }
  }

  /**
   * How to start a broker.
   *
   * @param dataDir where logs and metadata live; created if missing
   * @param port client port on 127.0.0.1, 0 to pick a free one
   * @param startTimeout how long to wait for the node to serve clients
   * @param overrides extra broker properties, applied last
   */
  public record Config(
      Path dataDir, int port, Duration startTimeout, Map<String, String> overrides) {
    public Config {
      if (dataDir == null) {
        throw new IllegalArgumentException("broker data directory is null");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("broker port must be 0..65535, got " + port);
      }
      overrides = Map.copyOf(overrides);
    }

    /** A broker on a free port in {@code dataDir}, 60 s to start. */
    public static Config at(Path dataDir) {
      return new Config(dataDir, 0, Duration.ofSeconds(60), Map.of());
    }

    /** This configuration on another port. */
    public Config withPort(int p) {
      return new Config(dataDir, p, startTimeout, overrides);
    }

    /** This configuration with extra broker properties. */
    public Config withOverrides(Map<String, String> extra) {
      return new Config(dataDir, port, startTimeout, extra);
    }
  }

  private final KafkaRaftServer server;
  private final int port;
  private final Path logDir;
  private final boolean formattedNow;
  private final DataDirLock lock;
  private volatile boolean closed;

  private EmbeddedBroker(
      KafkaRaftServer server, int port, Path logDir, boolean formattedNow, DataDirLock lock) {
    this.server = server;
    this.port = port;
    this.logDir = logDir;
    this.formattedNow = formattedNow;
    this.lock = lock;
  }

  /**
   * Starts a node and waits until it answers clients.
   *
   * @throws BrokerStartException naming the data directory or port when it cannot start
   */
  public static EmbeddedBroker start(Config config) throws BrokerStartException {
    Path dataDir = config.dataDir().toAbsolutePath();
    Path logDir = dataDir.resolve("kafka-logs");
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new BrokerStartException("cannot create broker data directory " + logDir + ": " + e, e);
    }
    // Before formatting or opening anything: a second Kafka node on these files would write a new
    // leader epoch into the running node's metadata log before Kafka's own lock refuses it.
    DataDirLock lock = DataDirLock.acquire(dataDir);
    try {
      return startLocked(config, logDir, lock);
    } catch (BrokerStartException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static EmbeddedBroker startLocked(Config config, Path logDir, DataDirLock lock)
      throws BrokerStartException {
    int port = config.port() == 0 ? freePort() : config.port();
    int controllerPort = freePort();
    Properties props = serverProperties(logDir, port, controllerPort);
    config.overrides().forEach(props::setProperty);
    KafkaConfig kafkaConfig;
    try {
      kafkaConfig = KafkaConfig.fromProps(props, false);
    } catch (RuntimeException e) {
      throw new BrokerStartException("invalid broker settings: " + e.getMessage(), e);
    }
    boolean format = !Files.exists(logDir.resolve("meta.properties"));
    if (format) {
      formatStorage(logDir);
    }
    KafkaRaftServer server;
    try {
      // The constructor already reads meta.properties and the metadata log directory.
      server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
    } catch (RuntimeException e) {
      throw new BrokerStartException(
          "cannot open Kafka data in "
              + logDir
              + ": "
              + e.getMessage()
              + " (a directory written by another Kafka, or damaged? start with an empty --data-dir)",
          e);
    }
    EmbeddedBroker broker = new EmbeddedBroker(server, port, logDir, format, lock);
    try {
      server.startup();
      broker.awaitServing(config.startTimeout());
    } catch (RuntimeException | BrokerStartException e) {
      broker.close();
      if (e instanceof BrokerStartException b) {
        throw b;
      }
      throw new BrokerStartException(
          "Kafka node on 127.0.0.1:"
              + port
              + " (data "
              + logDir
              + ") failed to start: "
              + e.getMessage(),
          e);
    }
    LOG.info(
        "Kafka broker serving at {} (data {}{})",
        broker.bootstrapServers(),
        logDir,
        format ? ", formatted now" : "");
    return broker;
  }

  /** The one-node settings; see the comment on each. */
  static Properties serverProperties(Path logDir, int port, int controllerPort) {
    Properties p = new Properties();
    // Combined mode: this one process is the whole cluster, broker and KRaft controller.
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", Integer.toString(NODE_ID));
    // Static voter list (kraft.version 0): the controller port may change between restarts.
    p.setProperty("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
    p.setProperty(
        "listeners",
        "PLAINTEXT://"
            + LOOPBACK
            + ":"
            + port
            + ",CONTROLLER://"
            + LOOPBACK
            + ":"
            + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", logDir.toString());
    // One node: every internal topic and every default must accept replication 1 (defaults are 3
    // for the offsets and transaction logs, which would never become available here).
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    // One node gains nothing from 50 coordinator partitions; fewer make the first group join and
    // the first transaction fast.
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.num.partitions", "4");
    // Tests start consumer groups all the time: do not wait 3 s for more members before assigning.
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // saescope creates its topics explicitly (TopicAdmin): a typo must not silently create a topic.
    p.setProperty("auto.create.topics.enable", "false");
    // The log cleaner (for the compacted latent-info topic) would reserve 128 MiB of heap by
    // default.
    p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(16 << 20));
    // Fewer threads than the defaults (8 I/O, 3 network): several brokers share a 2-core test
    // machine.
    p.setProperty("num.io.threads", "2");
    p.setProperty("num.network.threads", "2");
    return p;
  }

  private static void formatStorage(Path logDir) throws BrokerStartException {
    try {
      Formatter formatter = new Formatter();
      formatter.setClusterId(Uuid.randomUuid().toString());
      formatter.setNodeId(NODE_ID);
      formatter.setDirectories(List.of(logDir.toString()));
      formatter.setMetadataLogDirectory(logDir.toString());
      formatter.setControllerListenerName("CONTROLLER");
      formatter.setReleaseVersion(MetadataVersion.LATEST_PRODUCTION);
      // The formatter prints "Formatting ..." lines; send them to our log instead of stdout.
      formatter.setPrintStream(new PrintStream(OutputStream.nullOutputStream()));
      formatter.run();
      LOG.info("formatted Kafka storage in {}", logDir);
    } catch (Exception e) {
      throw new BrokerStartException(
          "cannot format Kafka storage in " + logDir + ": " + e.getMessage(), e);
    }
  }

  private void awaitServing(Duration timeout) throws BrokerStartException {
    Properties p = new Properties();
    p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.setProperty(
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
    p.setProperty(
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
        Long.toString(Math.min(timeout.toMillis(), 10_000)));
    try (Admin admin = Admin.create(p)) {
      // Listing topics needs metadata from an unfenced broker: a better "ready" test than an open
      // port.
      admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerStartException(
          "interrupted while waiting for the broker at " + bootstrapServers(), e);
    } catch (Exception e) {
      throw new BrokerStartException(
          "Kafka node at "
              + bootstrapServers()
              + " did not serve clients within "
              + timeout.toSeconds()
              + " s: "
              + e,
          e);
    }
  }

  /** A port that was free a moment ago on 127.0.0.1 (the broker binds it right after). */
  private static int freePort() throws BrokerStartException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new BrokerStartException("cannot find a free port on " + LOOPBACK + ": " + e, e);
    }
  }

  /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return LOOPBACK + ":" + port;
  }

  /** The client port. */
  public int port() {
    return port;
  }

  /** The Kafka log directory inside the data directory. */
  public Path logDir() {
    return logDir;
  }

  /** Whether this start formatted fresh storage (false when it reopened existing data). */
  public boolean formattedNow() {
    return formattedNow;
  }

  /** Blocks until the node has shut down (after {@link #close} from another thread). */
  public void awaitShutdown() {
    server.awaitShutdown();
  }

  /** Shuts the node down cleanly and waits for it; safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.shutdown();
      server.awaitShutdown();
      LOG.info("Kafka broker at {} stopped", bootstrapServers());
    } catch (RuntimeException e) {
      LOG.warn(
          "Kafka broker at {} did not shut down cleanly: {}", bootstrapServers(), e.toString());
    } finally {
      lock.close();
    }
  }

  /** Creates a fresh temporary data directory (tests, demo). */
  public static Path tempDataDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary broker directory", e);
    }
  }
}
