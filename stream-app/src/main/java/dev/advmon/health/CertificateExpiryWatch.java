package dev.advmon.health;

import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, at start-up and then every hour, the certificates the TLS broker and registry endpoints present, and warns
 * two weeks before one expires. TLS checks a certificate only in a handshake: the monitor's open connections outlive
 * it, readiness stays UP, and the next reconnection (a broker's rolling restart) stops the monitor. This is the only
 * early warning. It runs on a daemon thread of its own (never a stream thread or the supervisor, whose restarts must
 * not wait on a slow handshake), and a failure to look is an INFO line: the clients' own errors say what is wrong.
 */
public final class CertificateExpiryWatch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CertificateExpiryWatch.class);

  /** How far ahead a certificate's NotAfter is warned about: a fortnight leaves time to renew through a change process. */
  public static final Duration WARN_AHEAD = Duration.ofDays(14);
  /** How often each endpoint is looked at again. */
  public static final Duration INTERVAL = Duration.ofHours(1);

  /**
   * An endpoint to look at: {@code what} names it for the operator ("Kafka broker", with the setting it comes from),
   * {@code trust} the monitor's trust store for it (null = the JVM's default), {@code renewal} says what renews it
   * ("renew it on the broker (...)": the WARN adds "before then" or "now"). {@code keys}: the monitor's client
   * certificate for it (null = none), shown as its clients show it, so that a mutual TLS endpoint does not count
   * each hourly look as a failed authentication.
   */
  public record Endpoint(String host, int port, String what, KeyStore trust, KeyManager[] keys, String renewal) {
    /** An endpoint the monitor shows no client certificate. */
    public Endpoint(String host, int port, String what, KeyStore trust, String renewal) {
      this(host, port, what, trust, null, renewal);
    }

    public String address() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private final List<Endpoint> endpoints;
  private final Duration timeout;
  private final Clock clock;
  /** Earliest NotAfter seen per endpoint address, in epoch seconds; absent until a look succeeded. */
  private final Map<String, Double> expiry = new ConcurrentHashMap<>();
  private ScheduledExecutorService executor;

  public CertificateExpiryWatch(List<Endpoint> endpoints, Duration timeout, Clock clock) {
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
    this.clock = clock;
  }

  public List<Endpoint> endpoints() {
    return endpoints;
  }

  /** The earliest NotAfter of {@code address}'s chain in epoch seconds, NaN before a look at it succeeded. */
  public double expirySeconds(String address) {
    return expiry.getOrDefault(address, Double.NaN);
  }

  /** Looks now and then every {@link #INTERVAL}, on a daemon thread; nothing when there is no endpoint. */
  public synchronized CertificateExpiryWatch start() {
    if (!endpoints.isEmpty() && executor == null) {
      executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "advmon-certificate-expiry");
        t.setDaemon(true);
        return t;
      });
      executor.scheduleWithFixedDelay(this::lookAll, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /** One look at every endpoint; never throws (a thrown exception would end the schedule). */
  public void lookAll() {
    for (Endpoint e : endpoints) {
      try {
        look(e);
      } catch (Exception | LinkageError ex) {
        log.info("could not read the TLS certificate of the {} {} to see when it expires ({}); looking again in {} h",
            e.what(), e.address(), ex.toString(), INTERVAL.toHours());
      }
    }
  }

  private void look(Endpoint e) throws Exception {
    CertificateLook.Earliest earliest = CertificateLook.earliest(e.host(), e.port(), e.trust(), e.keys(), timeout);
    Instant notAfter = earliest.notAfter();
    expiry.put(e.address(), (double) notAfter.getEpochSecond());
    Duration left = Duration.between(clock.instant(), notAfter);
    if (left.isNegative()) {
      log.warn("the TLS certificate '{}' of the {} {} has expired (NotAfter {}): the monitor's next connection to it "
          + "fails its handshake and stops the monitor; {} now", earliest.subject(), e.what(), e.address(), notAfter,
          e.renewal());
    } else if (left.compareTo(WARN_AHEAD) < 0) {
      log.warn("the TLS certificate '{}' of the {} {} expires in {} (NotAfter {}): after that the monitor's next "
          + "connection to it fails its handshake and stops the monitor; {} before then", earliest.subject(), e.what(),
          e.address(), words(left), notAfter, e.renewal());
    } else {
      log.debug("the TLS certificate '{}' of the {} {} expires {}", earliest.subject(), e.what(), e.address(), notAfter);
    }
  }

  private static String words(Duration left) {
    return left.toDays() >= 1 ? left.toDays() + " day(s) " + left.toHoursPart() + " h" : left.toHours() + " h "
        + left.toMinutesPart() + " min";
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
