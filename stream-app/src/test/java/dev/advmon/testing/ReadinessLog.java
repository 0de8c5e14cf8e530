package dev.advmon.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Polls a monitor's {@code /health/ready} every 250 ms in the background and keeps its transitions (UP, DOWN
 * with the reasons, or no answer), with when they happened: how readiness behaved through a fault.
 */
public final class ReadinessLog implements AutoCloseable {

  /** A change of readiness: at {@code atMs}, to {@code status} (UP, DOWN, NO ANSWER), with the response body. */
  public record Change(long atMs, String status, String body) {}

  private final List<Change> changes = new ArrayList<>();
  private final Thread thread;
  private volatile boolean stop;

  public ReadinessLog(Supplier<MonitorProcess.Http> probe) {
    thread = new Thread(() -> {
      String last = null;
      while (!stop) {
        MonitorProcess.Http r = probe.get();
        String status = r == null ? "NO ANSWER" : r.status() == 200 ? "UP" : "DOWN";
        String key = status + (r == null ? "" : r.body().replaceAll("\\d+", "#"));
        if (!key.equals(last)) {
          synchronized (changes) {
            changes.add(new Change(System.currentTimeMillis(), status, r == null ? "" : r.body()));
          }
          last = key;
        }
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "readiness-log");
    thread.setDaemon(true);
    thread.start();
  }

  public List<Change> changes() {
    synchronized (changes) {
      return List.copyOf(changes);
    }
  }

  /** Whether readiness was seen DOWN with a body containing {@code text} at or after {@code sinceMs}. */
  public boolean sawDown(String text, long sinceMs) {
    return changes().stream().anyMatch(c -> c.atMs() >= sinceMs && c.status().equals("DOWN") && c.body().contains(text));
  }

  /** When readiness was first UP at or after {@code sinceMs}; -1 if not yet. */
  public long firstUpAfter(long sinceMs) {
    return changes().stream().filter(c -> c.atMs() >= sinceMs && c.status().equals("UP")).mapToLong(Change::atMs)
        .findFirst().orElse(-1);
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.interrupt();
    thread.join(5_000);
  }
}
