package dev.advmon.loadtest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.utils.Utils;

/**
 * A first quick look at the broker's addresses, before the topic lookup waits up to a minute for Kafka's answer: with
 * nothing listening at any bootstrap address (broker down, wrong host or port) the run stops at once, naming each
 * address and why. It asks only for a TCP connection, which the operating system accepts for a live broker however
 * busy it is, so a slow broker still gets the lookup's full minute; one that accepts but never answers in Kafka's
 * protocol (a TLS listener for a plaintext client) is still told by that lookup.
 *
 * <p>Every address is tried at once, on a thread of its own: tried in turn, each dead address listed before a live
 * one delayed the run by its full wait (three dead ones, 30 s), and Ctrl-C was not heard until they were done.
 */
final class BrokerCheck {

  /** How long the addresses have, together, to accept a connection. */
  static final Duration CONNECT_WAIT = Duration.ofSeconds(10);

  /** One address's attempt: null when it accepted a connection within {@code wait}, else what happened. */
  interface Connector {
    String attempt(String host, int port, Duration wait) throws IOException;
  }

  private BrokerCheck() {}

  /** {@link #requireListening(String, String, Duration, Connector, Interruption)} by TCP, heeding Ctrl-C. */
  static String requireListening(String bootstrapServers, String source, Duration wait) {
    return requireListening(bootstrapServers, source, wait, BrokerCheck::tryConnect, Interruption.PROCESS);
  }

  /**
   * Returns the first of {@code bootstrapServers} ({@code host:port,...}, as kafka.bootstrap.servers) to accept a
   * connection within {@code wait}, all being tried together (null: a form this check does not read, left to the
   * client); else throws, naming every address, what happened there, and {@code source}. Throws
   * {@link Interruption.Stopped} as soon as {@code stop} is requested.
   */
  static String requireListening(String bootstrapServers, String source, Duration wait, Connector connector,
      Interruption stop) {
    List<String> addresses = new ArrayList<>();
    for (String address : given(bootstrapServers)) {
      if (Utils.getHost(address) == null || Utils.getPort(address) == null) {
        return null; // a form the Kafka client read but this check does not: leave the judgement to the client
      }
      addresses.add(address);
    }
    if (addresses.isEmpty()) {
      return null;
    }
    record Outcome(String address, String why) {}
    LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    long started = System.nanoTime();
    for (String address : addresses) {
      Thread t = new Thread(() -> {
        String why;
        try {
          why = connector.attempt(Utils.getHost(address), Utils.getPort(address), wait);
        } catch (IOException e) { // the name does not resolve (any more): the client would not get further either
          why = e.toString();
        } catch (RuntimeException e) {
          why = e.toString();
        }
        outcomes.add(new Outcome(address, why));
      }, "advmon-loadtest-broker-check");
      t.setDaemon(true); // one still connecting when another answered ends by its own timeout; it holds nothing
      t.start();
    }
    Map<String, String> refused = new LinkedHashMap<>();
    addresses.forEach(a -> refused.put(a, "no connection within " + wait.toSeconds() + " s"));
    // the connector bounds each attempt by the wait; a little more here for a name that resolves slowly
    long deadline = System.nanoTime() + wait.toNanos() + TimeUnit.SECONDS.toNanos(1);
    int heard = 0;
    while (heard < addresses.size()) {
      stop.throwIfRequested();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      Outcome o;
      try {
        o = outcomes.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while checking Kafka's addresses " + bootstrapServers, e);
      }
      if (o == null) {
        continue;
      }
      if (o.why() == null) {
        return o.address();
      }
      heard++;
      refused.put(o.address(), o.why());
    }
    List<String> named = refused.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList();
    // "within 10 s" only when an address used up the wait: each one failing at once (refused, a name that does not
    // resolve) said so, and sent the user looking for a slow network rather than a broker that is down. Elapsed, not
    // only "not heard": an attempt is bounded by the wait itself, so a silent address is heard ("Connect timed out")
    String within = heard < addresses.size() || System.nanoTime() - started >= wait.toNanos()
        ? " within " + wait.toSeconds() + " s" : "";
    throw new IllegalStateException("nothing accepted a connection" + within + " at Kafka's "
        + (named.size() == 1 ? "address " : "addresses ") + String.join(", ", named) + ": start the broker, or "
        + "check kafka.bootstrap.servers in " + source + " (host and port of a listener reachable from this machine)");
  }

  /**
   * The line naming which of several addresses accepted first ({@code answered}, from
   * {@link #requireListening}), or null: with one address, or none checked, there is nothing to choose between.
   */
  static String acceptedFirstLine(String answered, String bootstrapServers) {
    List<String> given = given(bootstrapServers);
    if (answered == null || given.size() < 2) {
      return null;
    }
    // with several addresses, which one is live: a dead one beside it is worth fixing before the next run
    return "loadtest: Kafka accepted a connection at " + answered + " first, of " + String.join(", ", given);
  }

  /**
   * The addresses of {@code bootstrapServers}, trimmed, without the empty entries a trailing or doubled comma leaves
   * (no address to connect to): shown as written, "a:9092," read as two addresses, one of them empty.
   */
  static List<String> given(String bootstrapServers) {
    List<String> given = new ArrayList<>();
    for (String entry : bootstrapServers.split(",")) {
      if (!entry.trim().isEmpty()) {
        given.add(entry.trim());
      }
    }
    return given;
  }

  /** One connection attempt to one IP address: returns once it accepted, throws otherwise. */
  interface Dialer {
    void connect(InetSocketAddress address, int timeoutMs) throws IOException;
  }

  /** Null when one of the host's IP addresses accepted a connection, else the problem of the last one heard. */
  static String tryConnect(String host, int port, Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    return tryConnect(InetAddress.getAllByName(host), port, wait, deadline, BrokerCheck::connectDirectly);
  }

  /**
   * As above, for the addresses {@code host} resolved to, before {@code deadline} (System.nanoTime). All at once: the
   * Kafka client goes on to a name's next address when one gives no answer (client.dns.lookup=use_all_dns_ips), and
   * tried in turn within the one wait, an address that drops the connection (a stale DNS record) left none for the
   * live one after it.
   */
  static String tryConnect(InetAddress[] ips, int port, Duration wait, long deadline, Dialer dialer) {
    record Result(boolean accepted, String why) {}
    LinkedBlockingQueue<Result> results = new LinkedBlockingQueue<>();
    long startMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    for (InetAddress a : ips) {
      Thread t = new Thread(() -> {
        try {
          dialer.connect(new InetSocketAddress(a, port), (int) Math.min(startMs, Integer.MAX_VALUE));
          results.add(new Result(true, null));
        } catch (IOException | RuntimeException e) {
          results.add(new Result(false, e.getMessage() == null ? e.toString() : e.getMessage()));
        }
      }, "advmon-loadtest-broker-check");
      t.setDaemon(true); // one still connecting when another answered ends by its own timeout; it holds nothing
      t.start();
    }
    String why = null;
    for (int heard = 0; heard < ips.length; heard++) {
      Result r;
      try {
        r = results.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
      if (r == null) {
        break;
      }
      if (r.accepted()) {
        return null;
      }
      why = r.why();
    }
    return why != null ? why : "no connection within " + wait.toSeconds() + " s";
  }

  private static void connectDirectly(InetSocketAddress address, int timeoutMs) throws IOException {
    // directly, as the Kafka client connects (its SocketChannel ignores socksProxyHost): through a JVM-wide SOCKS
    // proxy this check would refuse a broker the client reaches, or pass one it cannot
    try (Socket s = new Socket(Proxy.NO_PROXY)) {
      s.connect(address, timeoutMs);
    }
  }
}
