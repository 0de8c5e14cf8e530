package dev.advmon.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What start-up is still waiting for, and why, for readiness to say before the monitor runs: the broker, the
 * registry and the model are waited for on three threads, minutes when one is down, and an operator who asks
 * {@code /health/ready} meanwhile should read "the registry answered 503" there, not only in the log. Each waiting
 * thread reports its latest failure under its own dependency and clears it once that dependency answered.
 * Thread-safe; one per start.
 */
public final class StartupWaits {

  /**
   * Most characters of one dependency's line in {@link #reasons()}: /health/ready is read by Kubernetes events and by
   * people, and what to check with the dependency's own words made it about 400. The log line at each try keeps the
   * whole advice.
   */
  public static final int MAX_REASON = 250;

  /** The waits, by dependency name, in name order so that the answer reads the same from one probe to the next. */
  private final Map<String, String> waiting = new ConcurrentSkipListMap<>();

  /** Counted down once a start-up check failed: see {@link #lastTry()}. */
  private final CountDownLatch lastTry = new CountDownLatch(1);

  /**
   * A start-up check failed, which ends the start: every other wait ends after its current try, failing with how that
   * try went, rather than retrying. So the start's error names each dependency that failed (the broker's refusal and
   * the registry's), not whichever happened to fail first.
   */
  public void lastTry() {
    lastTry.countDown();
  }

  /** Whether {@link #lastTry()} was called: a wait whose try just failed ends instead of retrying. */
  public boolean isLastTry() {
    return lastTry.getCount() == 0;
  }

  /**
   * The pause of {@code ms} between two tries, cut short by {@link #lastTry()}.
   *
   * @return true when cut short: the try before it was the last
   */
  public boolean pause(long ms) throws InterruptedException {
    return lastTry.await(ms, TimeUnit.MILLISECONDS);
  }

  /** The latest failure of {@code dependency} while waited for; empty before its first failed try, or once reached. */
  public Optional<String> reason(String dependency) {
    return Optional.ofNullable(waiting.get(dependency));
  }

  /** {@code dependency} has not answered yet: {@code reason} says what was tried and what came back. */
  public void waiting(String dependency, String reason) {
    waiting.put(dependency, reason);
  }

  /**
   * A reason for {@code dependency} within {@link #MAX_REASON} (with the "dependency: " before it): {@code head} (what
   * happened, what to check first) whole, then {@code words}, the dependency's own in parentheses (" (Kafka: ...)"),
   * cut to what room is left. A cut this short would say nothing of them: none then (the log line has them); a head
   * too long for the cap on its own (a try counted in thousands) is cut too.
   */
  public static String fit(String dependency, String head, String words) {
    int room = MAX_REASON - (dependency + ": ").length();
    if (head.length() > room) {
      return head.substring(0, room - 3) + "...";
    }
    words = words.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    if (words.length() > room - head.length()) {
      words = room - head.length() < 30 ? "" : words.substring(0, room - head.length() - 4) + "...)";
    }
    return head + words;
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
