package dev.advmon.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What start-up is still waiting for, and why, for readiness to say before the monitor runs: the broker, the
 * registry and the model are waited for on three threads, minutes when one is down, and an operator who asks
 * {@code /health/ready} meanwhile should read "the registry answered 503" there, not only in the log. Each waiting
 * thread reports its latest failure under its own dependency and clears it once that dependency answered.
 * Thread-safe; one per start.
 */
public final class StartupWaits {

  /** The waits, by dependency name, in name order so that the answer reads the same from one probe to the next. */
  private final Map<String, String> waiting = new ConcurrentSkipListMap<>();

  /** {@code dependency} has not answered yet: {@code reason} says what was tried and what came back. */
  public void waiting(String dependency, String reason) {
    waiting.put(dependency, reason);
  }

  /** {@code dependency} answered: start-up no longer waits for it. */
  public void reached(String dependency) {
    waiting.remove(dependency);
  }

  /**
   * Readiness's reasons while starting: a first line saying that start-up is under way (the only one until a
   * dependency was found missing), then one line per dependency still waited for, with its latest failure.
   */
  public List<String> reasons() {
    List<String> out = new ArrayList<>();
    out.add("starting: checking the Kafka broker, the schema registry and the model before the first frame");
    waiting.forEach((dependency, reason) -> out.add(dependency + ": " + reason));
    return out;
  }
}
