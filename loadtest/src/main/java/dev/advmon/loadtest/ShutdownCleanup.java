package dev.advmon.loadtest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What must be closed even when the run is interrupted (Ctrl-C, SIGTERM): sessions, embedded monitors (their state
 * folders) and embedded brokers (their log folders). Each registers while it is open and unregisters when closed; a
 * JVM shutdown hook closes whatever is still open, newest first.
 */
final class ShutdownCleanup {

  private static final Object LOCK = new Object();
  private static final LinkedHashSet<AutoCloseable> OPEN = new LinkedHashSet<>();
  private static boolean hooked;

  private ShutdownCleanup() {}

  static <T extends AutoCloseable> T register(T resource) {
    synchronized (LOCK) {
      if (!hooked) {
        try {
          Runtime.getRuntime().addShutdownHook(new Thread(ShutdownCleanup::closeAll, "advmon-loadtest-cleanup"));
        } catch (IllegalStateException e) {
          // already shutting down: the caller's own close is all there is
        }
        hooked = true;
      }
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
      System.err.println("loadtest: interrupted, closing " + open.size() + " open resource(s) (no report written)");
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
