package dev.saescope.common.testing;

import dev.saescope.broker.BrokerStartException;
import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.Topics;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real embedded Kafka broker per test class, in a fresh temporary directory deleted after the
 * class. Test methods, constructors and {@code @BeforeAll} methods may declare parameters of type
 * {@link EmbeddedBroker} or {@link KafkaSettings}; each {@code KafkaSettings} parameter gets its
 * own topic prefix ({@code t1.}, {@code t2.}, ...), so tests in one class never see each other's
 * topics.
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class MyKafkaTest {
 *   @Test void roundTrip(KafkaSettings kafka) { ... }
 * }
 * }</pre>
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(EmbeddedKafkaExtension.class);
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /**
   * Broker plus its directory, closed (broker stopped, directory deleted) with the class's store.
   */
  private record Running(EmbeddedBroker broker, Path dir) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      broker.close();
      deleteTree(dir);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws BrokerStartException {
    running(context);
  }

  private static Running running(ExtensionContext context) {
    ExtensionContext classContext = classContext(context);
    return classContext
        .getStore(NS)
        .getOrComputeIfAbsent(
            "broker",
            k -> {
              Path dir =
                  EmbeddedBroker.tempDataDir(
                      "saescope-kafka-"
                          + classContext.getRequiredTestClass().getSimpleName()
                          + "-");
              try {
                return new Running(EmbeddedBroker.start(EmbeddedBroker.Config.at(dir)), dir);
              } catch (BrokerStartException e) {
                throw new IllegalStateException(e.getMessage(), e);
              }
            },
            Running.class);
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    Class<?> type = p.getParameter().getType();
    return type == EmbeddedBroker.class || type == KafkaSettings.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e)
      throws ParameterResolutionException {
    EmbeddedBroker broker = running(e).broker();
    if (p.getParameter().getType() == EmbeddedBroker.class) {
      return broker;
    }
    return KafkaSettings.forBootstrap(broker.bootstrapServers())
        .withTopics(new Topics("t" + PREFIXES.incrementAndGet() + "."));
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
