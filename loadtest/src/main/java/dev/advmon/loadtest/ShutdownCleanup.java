package dev.advmon.loadtest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What must be closed even when the run is interrupted (Ctrl-C, SIGTERM): sessions, embedded monitors (their state
 * folders) and embedded brokers (their log folders). Each registers while it is open and unregisters when closed.
 * The run closes them itself when it is interrupted ({@link Interruption}); the one shutdown hook then closes whatever
 * is still open, newest first: what the run did not get to within its bounded wait.
 */
final class ShutdownCleanup {

  private static final Object LOCK = new Object();
  private static final LinkedHashSet<AutoCloseable> OPEN = new LinkedHashSet<>();

  private ShutdownCleanup() {}

  static <T extends AutoCloseable> T register(T resource) {
    Interruption.install(); // one hook: it lets the run write its partial report before closing what is left
    synchronized (LOCK) {
      OPEN.add(resource);
    }
    return resource;
  }

  static void unregister(AutoCloseable resource) {
    synchronized (LOCK) {
      OPEN.remove(resource);
    }
  }

  static boolean isRegistered(AutoCloseable resource) {
    synchronized (LOCK) {
      return OPEN.contains(resource);
    }
  }

  /** Closes everything still open, the newest first; one failing does not keep the others open. */
  static void closeAll() {
    List<AutoCloseable> open;
    synchronized (LOCK) {
      open = new ArrayList<>(OPEN);
    }
    Collections.reverse(open);
    if (!open.isEmpty()) {
      System.err.println("loadtest: closing " + open.size() + " resource(s) still open");
    }
    for (AutoCloseable c : open) {
      synchronized (LOCK) {
        if (!OPEN.remove(c)) {
          continue; // closed meanwhile by what owns it (a target closes the broker it started)
        }
      }
      try {
        c.close();
      } catch (Throwable e) {
        System.err.println("loadtest: closing " + c.getClass().getSimpleName() + " failed: " + e);
      }
    }
  }
}
