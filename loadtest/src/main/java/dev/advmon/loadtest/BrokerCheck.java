package dev.advmon.loadtest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.utils.Utils;

/**
 * A first quick look at the broker's addresses, before the topic lookup waits up to a minute for Kafka's answer: with
 * nothing listening at any bootstrap address (broker down, wrong host or port) the run stops at once, naming each
 * address and why. It asks only for a TCP connection, which the operating system accepts for a live broker however
 * busy it is, so a slow broker still gets the lookup's full minute; one that accepts but never answers in Kafka's
 * protocol (a TLS listener for a plaintext client) is still told by that lookup.
 */
final class BrokerCheck {

  /** How long one address has to accept a connection. */
  static final Duration CONNECT_WAIT = Duration.ofSeconds(10);

  private BrokerCheck() {}

  /**
   * Returns when one of {@code bootstrapServers} ({@code host:port,...}, as kafka.bootstrap.servers) accepts a TCP
   * connection within {@code wait}; else throws, naming every address, what happened there, and {@code source}.
   */
  static void requireListening(String bootstrapServers, String source, Duration wait) {
    List<String> refused = new ArrayList<>();
    for (String entry : bootstrapServers.split(",")) {
      String address = entry.trim();
      if (address.isEmpty()) {
        continue;
      }
      String host = Utils.getHost(address);
      Integer port = Utils.getPort(address);
      if (host == null || port == null) {
        return; // a form the Kafka client read but this check does not: leave the judgement to the client
      }
      String why;
      try {
        why = tryConnect(host, port, wait);
      } catch (IOException e) { // the name does not resolve (any more): the client would not get further either
        why = e.toString();
      }
      if (why == null) {
        return;
      }
      refused.add(address + " (" + why + ")");
    }
    if (refused.isEmpty()) {
      return;
    }
    throw new IllegalStateException("nothing accepted a connection within " + wait.toSeconds() + " s at Kafka's "
        + (refused.size() == 1 ? "address " : "addresses ") + String.join(", ", refused) + ": start the broker, or "
        + "check kafka.bootstrap.servers in " + source + " (host and port of a listener reachable from this machine)");
  }

  /** Null when one of the host's addresses accepted a connection, else the last address's problem. */
  private static String tryConnect(String host, int port, Duration wait) throws IOException {
    String why = null;
    // every address of the name, as the Kafka client tries them (client.dns.lookup=use_all_dns_ips)
    for (InetAddress a : InetAddress.getAllByName(host)) {
      // directly, as the Kafka client connects (its SocketChannel ignores socksProxyHost): through a JVM-wide SOCKS
      // proxy this check would refuse a broker the client reaches, or pass one it cannot
      try (Socket s = new Socket(Proxy.NO_PROXY)) {
        s.connect(new InetSocketAddress(a, port), (int) wait.toMillis());
        return null;
      } catch (IOException e) {
        why = e.getMessage() == null ? e.toString() : e.getMessage();
      }
    }
    return why;
  }
}
