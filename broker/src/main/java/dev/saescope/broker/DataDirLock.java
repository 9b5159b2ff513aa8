package dev.saescope.broker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a broker's data directory, held for the broker's life. Kafka locks its log
 * directory too, but only after its KRaft controller has already written to {@code
 * __cluster_metadata} (a new leader epoch), which damages the data of the broker already running
 * there; this lock refuses a second broker before it touches anything.
 */
final class DataDirLock implements AutoCloseable {
  /** In the data directory, next to {@code kafka-logs}; holds the pid of the locking process. */
  static final String FILE_NAME = "saescope-broker.lock";

  /**
   * Directories locked by this JVM. Checked before the file is opened: on Linux, closing any
   * channel on the lock file releases every lock this process holds on it (see {@link FileLock}),
   * so a refused second broker in the same JVM must never open it.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final FileChannel channel; // its lock lives until the channel closes
  private boolean closed;

  private DataDirLock(Path dir, FileChannel channel) {
    this.dir = dir;
    this.channel = channel;
  }

  /**
   * Locks {@code dataDir}, which must exist.
   *
   * @throws BrokerStartException naming the directory when another broker (in this or another
   *     process) holds it, or the lock file cannot be written
   */
  static DataDirLock acquire(Path dataDir) throws BrokerStartException {
    Path dir;
    try {
      dir = dataDir.toRealPath();
    } catch (IOException e) {
      throw new BrokerStartException("cannot open broker data directory " + dataDir + ": " + e, e);
    }
    if (!HELD.add(dir)) {
      throw inUse(dir, " in this process");
    }
    Path file = dir.resolve(FILE_NAME);
    try {
      FileChannel channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (IOException | OverlappingFileLockException e) {
        channel.close();
        throw new BrokerStartException("cannot lock " + file + ": " + e, e);
      }
      if (lock == null) {
        channel.close();
        throw inUse(dir, holder(file));
      }
      try {
        channel.truncate(0);
        channel.write(
            ByteBuffer.wrap(
                (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
      } catch (IOException e) {
        // The pid only makes another broker's refusal friendlier; the lock is what matters.
      }
      return new DataDirLock(dir, channel);
    } catch (IOException e) {
      HELD.remove(dir);
      throw new BrokerStartException("cannot create the lock file " + file + ": " + e, e);
    } catch (BrokerStartException e) {
      HELD.remove(dir);
      throw e;
    }
  }

  private static BrokerStartException inUse(Path dir, String where) {
    return new BrokerStartException(
        "data directory "
            + dir
            + " is in use by another broker"
            + where
            + "; stop that one first, or give this one another --data-dir");
  }

  /** " (pid N)" from another process's lock file, or nothing when it cannot be read. */
  private static String holder(Path file) {
    try {
      String pid = Files.readString(file, StandardCharsets.US_ASCII).strip();
      return pid.matches("\\d+") ? " (pid " + pid + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Releases the lock; safe to call twice. The file stays, so the next start can lock it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      channel.close(); // releases the lock
    } catch (IOException e) {
      // Nothing to do: the descriptor is gone either way.
    } finally {
      HELD.remove(dir);
    }
  }
}
