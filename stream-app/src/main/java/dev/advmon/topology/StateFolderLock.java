package dev.advmon.topology;

import dev.advmon.config.MonitorConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The state folder that Kafka Streams locks for its whole run. A second {@code ./monitor run} beside a running one
 * (a newcomer's usual first try at a second instance, once its http.port differs) met Kafka Streams' own refusal,
 * "Unable to initialize state, this can happen if multiple instances of Kafka Streams are running in the same state
 * directory", which names neither the monitor's setting nor the instance id a second instance needs as well. Checked
 * before the monitor writes its process id into that folder, which would otherwise be the running instance's.
 */
final class StateFolderLock {

  /** Kafka Streams' lock file in {@code <state dir>/<application id>} (StateDirectory.LOCK_FILE_NAME). */
  static final String LOCK_FILE = ".lock";

  private StateFolderLock() {}

  /** Refuses, naming the settings to change, when another process (or another monitor in this one) holds the folder. */
  static void requireFree(MonitorConfig c, Path stateDir) {
    Path folder = stateDir.resolve(c.string("streams.application-id"));
    if (!heldByAnother(folder.resolve(LOCK_FILE))) {
      return;
    }
    String where = c.string("streams.state-dir").isBlank() ? "streams.state-dir is empty: a folder under the system "
        + "temp dir" : "streams.state-dir = '" + c.string("streams.state-dir") + "'";
    throw new IllegalStateException("the state folder " + folder + " (" + where + ") is locked by another process: "
        + "another monitor with streams.application-id '" + c.string("streams.application-id") + "' runs on this "
        + "machine. Stop it, or give this instance its own streams.state-dir and its own streams.instance-id (now '"
        + c.instanceId() + "', the host name when unset; unique per running instance) and http.port");
  }

  /**
   * Channels to a lock file that a Kafka Streams client of this JVM holds, never closed: a process's locks on a file
   * are dropped when it closes any channel to that file (POSIX record locks), so closing one would free the running
   * client's folder for other processes. One per refused start, which then usually ends the JVM.
   */
  private static final List<FileChannel> KEPT_OPEN = new CopyOnWriteArrayList<>();

  private static boolean heldByAnother(Path lockFile) {
    if (!Files.exists(lockFile)) {
      return false;
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
    } catch (IOException e) {
      return false; // cannot tell: Kafka Streams says what it finds
    }
    try {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        lock.release();
      }
      closeQuietly(channel);
      return lock == null;
    } catch (OverlappingFileLockException e) {
      KEPT_OPEN.add(channel);
      return true; // held by a Kafka Streams client of this JVM
    } catch (IOException e) {
      closeQuietly(channel);
      return false; // cannot tell: Kafka Streams says what it finds
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was written through it
    }
  }
}
