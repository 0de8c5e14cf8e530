package dev.advmon.topology;

import dev.advmon.health.DependencyProbe;
import dev.advmon.health.StartupWaits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * What the start-up topic check and the readiness probe say when the broker gave no answer: in the operator's words
 * first (which address, which setting, that nothing answered in how long, what to check), Kafka's own words last.
 * Kafka's alone ("Timed out waiting for a node assignment. Call: listTopics") name neither the address nor the
 * settings to look at.
 */
final class BrokerSilence {

  /** What to look at when nothing answers: the address, and the protocol spoken to it (a mismatch gets no answer). */
  private static final String CHECK = "check that a broker runs at %s and is reachable from this host (host name, "
      + "port, firewall, and the address the broker advertises to clients, advertised.listeners), and that "
      + "kafka.security.protocol, kafka.sasl.* and kafka.ssl.* match that listener: a client speaking another protocol "
      + "gets no answer either";

  private BrokerSilence() {}

  /**
   * What went wrong in one try that lasted {@code tryMs}: nothing answered at {@code servers} within it, or (another
   * failure than a timeout) the check failed after it.
   */
  static String what(Object servers, Throwable cause, long tryMs) {
    return what(servers, cause, tryMs, BrokerAddresses.Findings.NONE);
  }

  /**
   * As above, with what the addresses did when looked at after the silence ({@link BrokerAddresses}): a port where
   * nothing listens, a host name that does not resolve, said after "answered within", as Kafka's client does not.
   */
  static String what(Object servers, Throwable cause, long tryMs, BrokerAddresses.Findings found) {
    if (!silence(cause)) {
      return "the topic check with Kafka at " + servers + " (kafka.bootstrap.servers) failed after "
          + DependencyProbe.duration(tryMs);
    }
    String head = "nothing at " + servers + " (kafka.bootstrap.servers) answered within "
        + DependencyProbe.duration(tryMs);
    String words = addressWords(found);
    if (words.isEmpty()) {
      return head;
    }
    return head + ": " + words + (found.decisive() ? ""
        : "; the other addresses accept connections, or did not say within " + DependencyProbe.duration(
            BrokerAddresses.BOUND.toMillis()));
  }

  /** The refused addresses and the host names that do not resolve among {@code found}, in the operator's words. */
  private static String addressWords(BrokerAddresses.Findings found) {
    List<String> parts = new ArrayList<>();
    if (!found.refused().isEmpty()) {
      parts.add("nothing listens at " + String.join(", ", found.refused()) + " (connection refused)");
    }
    List<String> unresolved = found.unresolved();
    if (!unresolved.isEmpty()) {
      parts.add(unresolved.size() == 1 ? "host name " + unresolved.get(0) + " does not resolve"
          : "host names " + String.join(", ", unresolved) + " do not resolve");
    }
    return String.join("; ", parts);
  }

  /**
   * What to check when each address refused or did not resolve: no broker to look for behind them, so the port and
   * the host name first, not the protocol or advertised.listeners ({@link #CHECK}, kept for any other finding).
   */
  static String check(Object servers, BrokerAddresses.Findings found) {
    if (!found.decisive()) {
      return check(servers);
    }
    List<String> parts = new ArrayList<>();
    if (!found.refused().isEmpty()) {
      parts.add("check that a broker runs at " + String.join(", ", found.refused()) + " and listens on that port (the"
          + " broker's listeners), and that kafka.bootstrap.servers names its host and port");
    }
    if (!found.unresolved().isEmpty()) {
      parts.add("check the host name in kafka.bootstrap.servers (a typo; in Kubernetes, the Service's name and"
          + " namespace) and this host's DNS");
    }
    return String.join("; ", parts);
  }

  /**
   * What went wrong in one try that lasted {@code tryMs}, after the broker at {@code servers} had answered it (listed
   * the topics): asked to create {@code creating} (null: it was not), a request a broker forwards to the KRaft
   * controller quorum, it gave no answer in time, or the check failed otherwise.
   */
  static String afterAnswer(Object servers, Throwable cause, java.util.List<String> creating, long tryMs) {
    String head = "the broker at " + servers + " (kafka.bootstrap.servers) answered, but ";
    if (!silence(cause)) {
      return head + "the topic check failed after " + DependencyProbe.duration(tryMs);
    }
    // a later request that got no answer (a broker that stopped or hangs after the listing): "failed" alone, with no
    // words of Kafka's where our own wait ended first, did not say that a silence was what to look for
    return creating != null
        ? head + "creating topics " + creating + " got no answer within " + DependencyProbe.duration(tryMs)
            + " (a request that a broker of the cluster's choosing, not always the one that listed them, forwards to"
            + " the KRaft controller quorum)"
        : head + "a later request of the topic check (the topics' configs) got no answer within "
            + DependencyProbe.duration(tryMs);
  }

  /**
   * What to check after {@link #afterAnswer}: the controllers where creating topics got no answer, the brokers where
   * another request got none, else the broker's log.
   */
  static String checkAfterAnswer(Throwable cause, java.util.List<String> creating) {
    if (!silence(cause)) {
      return "check the broker's log";
    }
    return creating != null ? QUORUM_CHECK : LATER_SILENCE_CHECK;
  }

  /** What to check when a request after the listing, not the creation, got no answer. */
  private static final String LATER_SILENCE_CHECK = "check that the brokers still run and answer (their logs)";

  /**
   * What to check when creating topics got no answer: the controller quorum (BrokerCheck's words for that outage), and
   * the brokers: a KRaft broker names a random live broker as the "controller" in its metadata, so the admin client
   * may send the request to one that hangs or that this host cannot reach (advertised.listeners), the quorum sound.
   */
  private static final String QUORUM_CHECK = "check that a majority of the KRaft controllers runs and reaches the"
      + " brokers (with none, no KRaft controller quorum answers; see the controllers' logs), and that each broker"
      + " runs and is reachable from this host (advertised.listeners)";

  /**
   * {@link #startupReason}'s counterpart after the broker answered the try ({@link #afterAnswer}): no "no answer from"
   * and no address to check, within {@link StartupWaits#MAX_REASON} as there.
   */
  static String startupReasonAfterAnswer(Object servers, Throwable cause, java.util.List<String> creating,
      int attempt, long waitedMs) {
    boolean quorum = creating != null && silence(cause);
    boolean later = creating == null && silence(cause);
    String head = shortList(servers) + " (kafka.bootstrap.servers) answered, but "
        + (quorum ? "creating topics got no answer" : later ? "a later request got no answer"
            : "the topic check failed")
        + " in " + waitedMs / 1000 + " s (try " + attempt + "): "
        + (quorum ? "check the KRaft controller quorum and each broker; more in the log"
            : later ? "check that the brokers still run; more in the log" : "check the broker's log");
    return StartupWaits.fit(TopicAdmin.DEPENDENCY, head, kafkaWords(cause));
  }

  static boolean silence(Throwable cause) {
    return cause instanceof org.apache.kafka.common.errors.TimeoutException || cause instanceof TimeoutException;
  }

  /** {@link #CHECK} in short, what to look at first: the address, then the protocol. */
  private static final String SHORT_CHECK = "check that a broker runs there, is reachable (advertised.listeners) and"
      + " speaks kafka.security.protocol; more in the log";

  /**
   * The start-up wait's readiness reason after try {@code attempt} failed with {@code cause}, {@code waitedMs} into the
   * wait: the address and setting, what to check first, Kafka's words last, cut so that the whole (with readiness's
   * "Kafka: " before it) stays within {@link StartupWaits#MAX_REASON}, where {@link #CHECK} with Kafka's words made
   * it about 400. A long list of brokers is named by its first (the log line names them all).
   */
  static String startupReason(Object servers, Throwable cause, int attempt, long waitedMs) {
    return startupReason(servers, cause, attempt, waitedMs, BrokerAddresses.Findings.NONE);
  }

  /** As above, saying first, where each address refused or did not resolve, that and what to check for it. */
  static String startupReason(Object servers, Throwable cause, int attempt, long waitedMs,
      BrokerAddresses.Findings found) {
    boolean silence = silence(cause);
    String head = (silence ? "no answer from " : "the topic check failed at ") + shortList(servers)
        + " (kafka.bootstrap.servers) in " + waitedMs / 1000 + " s (try " + attempt + "): "
        + (silence && found.decisive() ? shortAddressCheck(found) : SHORT_CHECK);
    return StartupWaits.fit(TopicAdmin.DEPENDENCY, head, kafkaWords(cause));
  }

  /** {@link #check(Object, BrokerAddresses.Findings)} in short, after what the addresses did. */
  private static String shortAddressCheck(BrokerAddresses.Findings found) {
    if (found.unresolved().isEmpty()) {
      return "nothing listens there (connection refused): check that a broker runs and the port is right; more in"
          + " the log";
    }
    if (found.refused().isEmpty()) {
      // the name is in the address just before: not said twice, for room for Kafka's words within the cap
      return (found.unresolved().size() == 1 ? "the host name does not resolve: check it"
          : "no host name resolves: check them") + " and this host's DNS; more in the log";
    }
    return "each address refused or did not resolve: check the ports and host names; more in the log";
  }

  private static String shortList(Object servers) {
    String[] each = String.valueOf(servers).split(",");
    return each.length > 1 && String.valueOf(servers).length() > 60
        ? each[0].trim() + " and " + (each.length - 1) + " more" : String.valueOf(servers);
  }

  /** What to check, for {@code servers}. */
  static String check(Object servers) {
    return String.format(java.util.Locale.ROOT, CHECK, servers);
  }

  /**
   * Kafka's own words for {@code cause}, to end a line with: " (Kafka: ...)", without the exception's package; empty
   * for a bare timeout of our own wait on a request, which has none.
   */
  static String kafkaWords(Throwable cause) {
    if (cause.getMessage() == null) {
      return cause instanceof TimeoutException ? "" : " (Kafka: " + cause.getClass().getSimpleName() + ")";
    }
    return cause instanceof org.apache.kafka.common.errors.TimeoutException
        ? " (Kafka: " + cause.getMessage() + ")"
        : " (Kafka: " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
  }

  /**
   * The readiness probe of the broker at {@code servers}, each try of {@code check} taking up to {@code timeoutMs}:
   * its reason says what to act on first (the setting, what to check), Kafka's words last, as the start-up wait does.
   * Shorter than there: the monitor reached this address at start-up with the same settings, so a protocol mismatch
   * is not what a later silence means.
   */
  static DependencyProbe probe(Object servers, DependencyProbe.Check check, long timeoutMs,
      java.util.function.LongSupplier clock) {
    return probe(servers, check, timeoutMs, clock, BrokerAddresses::look);
  }

  /**
   * As above, looking at the addresses with {@code addressLook} after a check that got no answer (a refused port, a
   * host name that does not resolve: what a broker gone or a Service renamed look like), never after one that did.
   */
  static DependencyProbe probe(Object servers, DependencyProbe.Check check, long timeoutMs,
      java.util.function.LongSupplier clock,
      java.util.function.Function<Object, BrokerAddresses.Findings> addressLook) {
    return new DependencyProbe("Kafka at " + servers + " (kafka.bootstrap.servers)", check, clock,
        e -> probeFailure(e, timeoutMs, servers, addressLook), BrokerSilence::probeState);
  }

  /**
   * What the broker is while {@code e} lasts: a broker that answered and refused the login, or whose TLS handshake
   * failed, is no outage, though the line began "unreachable for N s" (as the registry's did).
   */
  private static String probeState(Exception e) {
    Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (BrokerTls.advice(cause).isPresent()) {
      return "with a failed TLS handshake";
    }
    return cause instanceof org.apache.kafka.common.errors.AuthenticationException
        ? "refusing the monitor's login" : DependencyProbe.UNREACHABLE;
  }

  private static String probeFailure(Exception e, long timeoutMs, Object servers,
      java.util.function.Function<Object, BrokerAddresses.Findings> addressLook) {
    if (e instanceof DependencyProbe.FailingFor) {
      return e.getMessage(); // BrokerCheck's own words (the KRaft quorum): they say what to check already
    }
    Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
    String what;
    if (cause instanceof org.apache.kafka.common.errors.TimeoutException || cause instanceof TimeoutException) {
      BrokerAddresses.Findings found = addressLook.apply(servers);
      what = "nothing answered within " + DependencyProbe.duration(timeoutMs) + " (health.probe-timeout-ms)"
          + (found.decisive() ? ": " + addressWords(found) + "; " + check(servers, found)
              : "; check that a broker runs there and is reachable from this host");
    } else if (BrokerTls.advice(cause).isPresent()) {
      what = BrokerTls.advice(cause).get();
    } else if (cause instanceof org.apache.kafka.common.errors.AuthenticationException) {
      what = "it refused the monitor's login; check " + Failures.LOGIN_CHECKS;
    } else {
      what = "its metadata request failed; check the broker's log";
    }
    // one line: /health/ready is read by Kubernetes and by people, and each change of it is logged
    String words = kafkaWords(cause);
    words = words.length() > 320 ? words.substring(0, 316) + "...)" : words; // a TLS error can run long
    return (what + words).replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
