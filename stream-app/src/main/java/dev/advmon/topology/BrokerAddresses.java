package dev.advmon.topology;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What each address of kafka.bootstrap.servers does at the TCP level, looked at only after a try of the topic check
 * got no answer: Kafka's admin client retries a refused connection and a name that does not resolve until its call
 * times out, and says only "Timed out waiting for a node assignment", so the start-up log said "nothing answered
 * within 15 s" and sent the operator to firewalls and advertised.listeners for a port where nothing listens. The
 * registry's client tells those apart (health/RegistryProbe); this does the same for the broker, with one DNS look-up
 * and one plain TCP connect per address, all at once, within {@link #BOUND} together.
 */
final class BrokerAddresses {

  /** The most the look at all addresses takes: a refusal or a failed look-up comes back in milliseconds. */
  static final Duration BOUND = Duration.ofMillis(2_000);

  /** The most addresses looked at (one thread each); a longer list is looked at by its first ones. */
  private static final int MAX_ADDRESSES = 16;

  /** What one address did. */
  enum Kind {
    /** Every address its host resolved to refused the connection: nothing listens there. */
    REFUSED,
    /** Its host name does not resolve. */
    UNRESOLVED,
    /** A TCP connection was accepted: something listens, and gave no Kafka answer (protocol, advertised.listeners). */
    ACCEPTS,
    /** Neither within the bound (a firewall that drops, a slow DNS), or the address could not be read: not known. */
    UNKNOWN
  }

  /** What {@code address} (as written in kafka.bootstrap.servers), whose host is {@code host}, did. */
  record Finding(String address, String host, Kind kind) {}

  /** What each address did, in the order of kafka.bootstrap.servers; none when not looked at. */
  record Findings(List<Finding> each) {

    /** Not looked at (the broker answered, or another failure than a silence): today's advice stands. */
    static final Findings NONE = new Findings(List.of());

    /**
     * Whether the addresses alone explain the silence: each one refused or did not resolve, so there is no broker to
     * look for behind them and the protocol, the firewall and advertised.listeners are not what to check first.
     */
    boolean decisive() {
      return !each.isEmpty() && each.stream().allMatch(f -> f.kind() == Kind.REFUSED || f.kind() == Kind.UNRESOLVED);
    }

    List<String> refused() {
      return each.stream().filter(f -> f.kind() == Kind.REFUSED).map(Finding::address).toList();
    }

    List<String> unresolved() {
      return each.stream().filter(f -> f.kind() == Kind.UNRESOLVED).map(Finding::host).distinct().toList();
    }
  }

  private BrokerAddresses() {}

  /** Looks at each address of {@code servers} (kafka.bootstrap.servers) within {@link #BOUND}. */
  static Findings look(Object servers) {
    return look(servers, BOUND);
  }

  /** As above, within {@code bound}. */
  static Findings look(Object servers, Duration bound) {
    List<String> addresses = new ArrayList<>();
    for (String a : String.valueOf(servers).split(",")) {
      if (!a.isBlank() && addresses.size() < MAX_ADDRESSES) {
        addresses.add(a.trim());
      }
    }
    if (addresses.isEmpty()) {
      return Findings.NONE;
    }
    long deadline = System.nanoTime() + bound.toNanos();
    ExecutorService threads = Executors.newFixedThreadPool(addresses.size(), r -> {
      Thread t = new Thread(r, "advmon-broker-address-check");
      t.setDaemon(true); // a look-up the JDK cannot interrupt must not keep the process alive
      return t;
    });
    try {
      List<Future<Finding>> each = new ArrayList<>();
      for (String address : addresses) {
        each.add(threads.submit(() -> lookAt(address, deadline)));
      }
      List<Finding> found = new ArrayList<>();
      for (int i = 0; i < addresses.size(); i++) {
        found.add(within(each.get(i), addresses.get(i), deadline));
      }
      return new Findings(List.copyOf(found));
    } finally {
      threads.shutdownNow();
    }
  }

  private static Finding within(Future<Finding> finding, String address, long deadline) {
    try {
      return finding.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // a stopped start: the caller's next wait sees it
      return new Finding(address, address, Kind.UNKNOWN);
    } catch (Exception e) { // not within the bound, or the look failed: not known, today's advice stands
      return new Finding(address, address, Kind.UNKNOWN);
    }
  }

  /** Resolves {@code address}'s host and connects to each of its addresses (Kafka tries them all) until one accepts. */
  private static Finding lookAt(String address, long deadline) {
    String host = org.apache.kafka.common.utils.Utils.getHost(address);
    Integer port = org.apache.kafka.common.utils.Utils.getPort(address);
    if (host == null || port == null) {
      return new Finding(address, address, Kind.UNKNOWN);
    }
    InetAddress[] ips;
    try {
      ips = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return new Finding(address, host, Kind.UNRESOLVED);
    }
    boolean allRefused = true;
    for (InetAddress ip : ips) {
      int left = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(ip, port), left);
        return new Finding(address, host, Kind.ACCEPTS);
      } catch (java.net.ConnectException e) {
        // refused (the JDK's words: "Connection refused"); no route to host is a SocketException, not this
        allRefused &= String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("refused");
      } catch (SocketTimeoutException e) {
        return new Finding(address, host, Kind.UNKNOWN);
      } catch (IOException | RuntimeException e) {
        allRefused = false;
      }
    }
    return new Finding(address, host, allRefused ? Kind.REFUSED : Kind.UNKNOWN);
  }
}
