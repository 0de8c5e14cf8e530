package dev.advmon.health;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The last known reachability of one dependency (the broker, the registry), from a check that either returns
 * or throws. Thread-safe; {@link #check()} runs on the health checker's thread, {@link #problem()} is read by
 * HTTP requests.
 */
public final class DependencyProbe {

  /** One check of the dependency: returns when it answered, throws with the reason when it did not. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }

  /** The problem, what the dependency is while it lasts ("unreachable"), and since when. */
  private record Status(String problem, String state, long sinceMs) {}

  /**
   * A check's failure that began {@code forMs} before this check: a check that bore with a failure for a while before
   * reporting it, so that the outage counts from when it began, not from when it was reported. A duration, not a
   * time: the check measures it on its own (monotonic) clock, the probe turns it into a time on its own.
   */
  public static final class FailingFor extends Exception {
    private final long forMs;

    public FailingFor(Exception failure, long forMs) {
      super(failure.getMessage(), failure);
      this.forMs = forMs;
    }
  }

  private final String name;
  private final Check check;
  private final java.util.function.LongSupplier clock;
  private final java.util.function.Function<Exception, String> describe;
  private final java.util.function.Function<Exception, String> state;
  private final AtomicReference<Status> status;

  /**
   * A probe's or a wait's time in a reason: whole seconds, rounded down (so that "nothing answered within" stays
   * true), or ms below a second. One wording for the broker's and the registry's reasons.
   */
  public static String duration(long ms) {
    return ms < 1_000 ? ms + " ms" : ms / 1_000 + " s";
  }

  /** Starts as reachable: until the first check says otherwise, the start-up that just reached it is believed. */
  public DependencyProbe(String name, Check check, java.util.function.LongSupplier clock) {
    this(name, check, clock, DependencyProbe::describe);
  }

  /**
   * As above, with the check's failure told in {@code describe}'s words (what to check first, the dependency's own
   * words last) instead of its innermost message.
   */
  public DependencyProbe(String name, Check check, java.util.function.LongSupplier clock,
      java.util.function.Function<Exception, String> describe) {
    this(name, check, clock, describe, e -> UNREACHABLE);
  }

  /**
   * As above, with what the dependency is while the check fails with an exception in {@code state}'s words, in place
   * of "unreachable": one that answered and refused (the monitor's login, or a certificate this host refuses) is no
   * outage, and the line read first should not send the operator to the network.
   */
  public DependencyProbe(String name, Check check, java.util.function.LongSupplier clock,
      java.util.function.Function<Exception, String> describe, java.util.function.Function<Exception, String> state) {
    this.name = name;
    this.check = check;
    this.clock = clock;
    this.describe = describe;
    this.state = state;
    this.status = new AtomicReference<>(new Status(null, null, clock.getAsLong()));
  }

  /** What a dependency is while its check fails, unless the probe's state says otherwise. */
  public static final String UNREACHABLE = "unreachable";

  /**
   * What a dependency is while it answers its check with an error (a registry's 503): no network fault, but the same
   * outage to wait out, so that it and {@link #UNREACHABLE} share one count (a registry restarting refuses connections,
   * then answers 503 while it starts: one outage, not a count that starts again at the 503).
   */
  public static final String ANSWERING_WITH_ERRORS = "answering with errors";

  /** Whether going from state {@code a} to {@code b} goes on counting: the same state, or one outage in other words. */
  private static boolean oneCount(String a, String b) {
    return java.util.Objects.equals(a, b)
        || (UNREACHABLE.equals(a) || ANSWERING_WITH_ERRORS.equals(a))
            && (UNREACHABLE.equals(b) || ANSWERING_WITH_ERRORS.equals(b));
  }

  public String name() {
    return name;
  }

  /** Runs the check once and records the outcome. */
  public void check() {
    String problem = null;
    String now = null;
    long failingForMs = 0; // it begins now, unless the check says it began earlier
    try {
      check.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (FailingFor e) {
      problem = describe.apply(e);
      now = state.apply(e);
      failingForMs = Math.max(0, e.forMs);
    } catch (Exception e) {
      problem = describe.apply(e);
      now = state.apply(e);
    }
    String p = problem;
    String st = now;
    long since = clock.getAsLong() - failingForMs;
    // "since" is when it stopped answering, not when the error's wording last changed (a partitioned broker times
    // out one way, then another): an outage counts from its first failed check. A new state starts its own count:
    // "refusing the monitor's login for N s" after an outage must not count the outage's seconds as the refusal's
    // (unreachable and answering with errors are one outage: oneCount)
    status.updateAndGet(old -> java.util.Objects.equals(old.problem(), p) && java.util.Objects.equals(old.state(), st)
        ? old : new Status(p, st, p != null && old.problem() != null && oneCount(old.state(), st)
            ? old.sinceMs() : since));
  }

  /** Why the dependency is unreachable (or what else it is), with since when; null while it answers. */
  public String problem() {
    Status s = status.get();
    if (s.problem() == null) {
      return null;
    }
    long seconds = Math.max(0, clock.getAsLong() - s.sinceMs()) / 1000;
    return name + " " + s.state() + " for " + seconds + " s: " + s.problem();
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.ExecutionException || t.getMessage() == null) && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }
}
