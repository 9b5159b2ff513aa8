package dev.saescope.common.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates saescope's topics when missing, with every call bounded by the broker timeout. */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  /**
   * What {@link #ensureTopics} did.
   *
   * @param created topics this call created
   * @param existing topics that were already there (left unchanged)
   */
  public record EnsureResult(List<String> created, List<String> existing) {
    public EnsureResult {
      created = List.copyOf(created);
      existing = List.copyOf(existing);
    }
  }

  /**
   * Creates each missing topic and waits until its partitions are served (see {@link
   * PartitionReadiness}); existing topics are left as they are (a warning is logged when one has
   * fewer partitions than asked, since that caps the worker group size).
   *
   * @throws BrokerUnavailableException when no broker answers within {@code
   *     settings.brokerTimeout()}
   * @throws TopicAdminException when the broker refuses, naming the topic
   */
  public static EnsureResult ensureTopics(KafkaSettings settings, List<TopicSpec> specs)
      throws BrokerUnavailableException, TopicAdminException {
    try (Admin admin = open(settings)) {
      awaitBroker(admin, settings);
      long timeoutMs = settings.brokerTimeout().toMillis();
      Set<String> present;
      try {
        present =
            admin
                .listTopics(new ListTopicsOptions().timeoutMs((int) timeoutMs))
                .names()
                .get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new TopicAdminException(
            "cannot list topics at " + settings.bootstrapServers() + ": " + cause(e), e);
      }
      List<NewTopic> toCreate = new ArrayList<>();
      List<String> existing = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (present.contains(spec.name())) {
          existing.add(spec.name());
        } else {
          Optional<Short> rf =
              spec.replicationFactor() == TopicSpec.BROKER_DEFAULT
                  ? Optional.empty()
                  : Optional.of(spec.replicationFactor());
          toCreate.add(
              new NewTopic(spec.name(), Optional.of(spec.partitions()), rf)
                  .configs(spec.configs()));
        }
      }
      List<String> created = new ArrayList<>();
      if (!toCreate.isEmpty()) {
        Map<String, org.apache.kafka.common.KafkaFuture<Void>> futures =
            admin
                .createTopics(toCreate, new CreateTopicsOptions().timeoutMs((int) timeoutMs))
                .values();
        for (var entry : futures.entrySet()) {
          try {
            entry.getValue().get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
            created.add(entry.getKey());
            LOG.info("created topic {}", entry.getKey());
          } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
              existing.add(entry.getKey()); // another process created it meanwhile
            } else {
              throw new TopicAdminException(
                  "cannot create topic " + entry.getKey() + ": " + cause(e), e);
            }
          } catch (java.util.concurrent.TimeoutException e) {
            throw new TopicAdminException(
                "creating topic "
                    + entry.getKey()
                    + " did not finish within "
                    + settings.brokerTimeout().toSeconds()
                    + " s",
                e);
          }
        }
      }
      warnOnFewerPartitions(admin, specs, existing, timeoutMs);
      for (String topic : created) {
        try {
          PartitionReadiness.await(settings, topic);
        } catch (org.apache.kafka.common.KafkaException e) {
          throw new TopicAdminException(e.getMessage(), e);
        }
      }
      return new EnsureResult(created, existing);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TopicAdminException("interrupted while creating topics", e);
    }
  }

  /**
   * Waits until a broker answers a cluster description.
   *
   * @throws BrokerUnavailableException when none does within the broker timeout
   */
  public static void checkReachable(KafkaSettings settings) throws BrokerUnavailableException {
    try (Admin admin = open(settings)) {
      awaitBroker(admin, settings);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerUnavailableException(
          "interrupted while waiting for a broker at " + settings.bootstrapServers(), e);
    }
  }

  /** An admin client whose calls give up after the broker timeout. */
  static Admin open(KafkaSettings settings) throws BrokerUnavailableException {
    Properties p = settings.client();
    int timeoutMs = (int) settings.brokerTimeout().toMillis();
    // Bound every admin call by the user's broker timeout instead of the 60 s default.
    p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
    // A single request may not outlive the whole call (Kafka rejects request > api timeout).
    p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeoutMs));
    try {
      return Admin.create(p);
    } catch (KafkaException e) {
      // Typically "No resolvable bootstrap urls": the host name does not resolve.
      throw new BrokerUnavailableException(
          "cannot reach Kafka at " + settings.bootstrapServers() + ": " + cause(e), e);
    }
  }

  private static void awaitBroker(Admin admin, KafkaSettings settings)
      throws BrokerUnavailableException, InterruptedException {
    long timeoutMs = settings.brokerTimeout().toMillis();
    try {
      Collection<?> nodes =
          admin
              .describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs))
              .nodes()
              .get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
      LOG.debug("{} broker(s) answered at {}", nodes.size(), settings.bootstrapServers());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
        throw new BrokerUnavailableException(
            settings.bootstrapServers(), settings.brokerTimeout(), e.getCause());
      }
      throw new BrokerUnavailableException(
          "Kafka at "
              + settings.bootstrapServers()
              + " did not answer a cluster description: "
              + cause(e),
          e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new BrokerUnavailableException(
          settings.bootstrapServers(), settings.brokerTimeout(), e);
    }
  }

  private static void warnOnFewerPartitions(
      Admin admin, List<TopicSpec> specs, List<String> existing, long timeoutMs)
      throws InterruptedException {
    if (existing.isEmpty()) {
      return;
    }
    try {
      Map<String, TopicDescription> described =
          admin
              .describeTopics(existing, new DescribeTopicsOptions().timeoutMs((int) timeoutMs))
              .allTopicNames()
              .get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
      for (TopicSpec spec : specs) {
        TopicDescription d = described.get(spec.name());
        if (d != null && d.partitions().size() < spec.partitions()) {
          LOG.warn(
              "topic {} exists with {} partitions, fewer than the {} asked for: at most {} workers of one group get work",
              spec.name(),
              d.partitions().size(),
              spec.partitions(),
              d.partitions().size());
        }
      }
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("cannot describe existing topics {}: {}", existing, cause(e));
    }
  }

  private static String cause(Throwable e) {
    Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    while (c.getCause() != null && c.getMessage() == null) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
