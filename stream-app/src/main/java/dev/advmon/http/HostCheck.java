package dev.advmon.http;

import java.util.List;
import java.util.Locale;

/**
 * Which Host headers the server answers, on every route: the defence against DNS rebinding (a page on
 * evil.example re-pointing its name at the monitor's address, then reading it from the victim's browser).
 * Loopback names (localhost, 127.0.0.1, [::1]) are accepted on a loopback bind, and on any other bind from a
 * loopback client only. The {@code http.allowed-hosts} entries (a host, or host:port to match the port too) are
 * accepted from anyone; {@code *} accepts any. On a non-loopback bind with no
 * list, any Host is accepted only when a bearer token protects the routes (a rebinding page cannot send it).
 * The name this instance advertises to its peers ({@code streams.application-server}) is accepted too: it is how
 * they reach it, and a rebinding page's name is never it.
 */
final class HostCheck {

  private final boolean any;
  private final boolean loopbackBind;
  private final List<String> allowed;

  HostCheck(List<String> allowedHosts, boolean loopbackBind, boolean tokenSet) {
    this(allowedHosts, loopbackBind, tokenSet, List.of());
  }

  /** @param advertised this instance's own advertised host names: accepted, without changing the rules above */
  HostCheck(List<String> allowedHosts, boolean loopbackBind, boolean tokenSet, List<String> advertised) {
    List<String> configured = normalized(allowedHosts);
    this.any = configured.contains("*") || (!loopbackBind && configured.isEmpty() && tokenSet);
    this.loopbackBind = loopbackBind;
    this.allowed = java.util.stream.Stream.concat(configured.stream(), normalized(advertised).stream()).toList();
  }

  private static List<String> normalized(List<String> hosts) {
    return hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
  }

  boolean acceptsAny() {
    return any;
  }

  /**
   * @param remote the client's address: on a non-loopback bind a loopback name is taken only from a loopback
   *     client (anyone on the network can send "Host: localhost"; only a local one is local)
   */
  boolean accepts(String hostHeader, java.net.InetAddress remote) {
    if (any) {
      return true;
    }
    if (hostHeader == null || hostHeader.isBlank()) {
      return false;
    }
    String host = hostHeader.trim().toLowerCase(Locale.ROOT);
    String name;
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      name = end < 0 ? host : host.substring(0, end + 1);
    } else {
      int colon = host.indexOf(':');
      name = colon < 0 ? host : host.substring(0, colon);
    }
    if ((name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]"))
        && (loopbackBind || (remote != null && remote.isLoopbackAddress()))) {
      return true;
    }
    for (String a : allowed) {
      if (a.equals(host) || a.equals(name)) {
        return true;
      }
    }
    return false;
  }
}
