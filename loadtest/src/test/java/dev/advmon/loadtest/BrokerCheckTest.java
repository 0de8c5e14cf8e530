package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Collections;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BrokerCheckTest {

  @Test
  void aJvmWideSocksProxyDoesNotStandBetweenTheCheckAndTheBroker() throws Exception {
    // The Kafka client's SocketChannel ignores socksProxyHost; a check through the proxy refused a live broker:
    // 'nothing accepted a connection ... (Can't connect to SOCKS proxy:Connection refused)'. The JDK never proxies
    // loopback, so the broker listens on this machine's own address.
    InetAddress own = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst().orElse(null);
    Assumptions.assumeTrue(own != null, "this machine has no address but loopback");
    int noProxy;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      noProxy = free.getLocalPort();
    }
    try (ServerSocket broker = new ServerSocket(0, 1, own)) {
      System.setProperty("socksProxyHost", "127.0.0.1");
      System.setProperty("socksProxyPort", String.valueOf(noProxy));
      try {
        assertThatCode(() -> BrokerCheck.requireListening(own.getHostAddress() + ":" + broker.getLocalPort(),
            "--config m.properties", Duration.ofSeconds(10))).doesNotThrowAnyException();
      } finally {
        System.clearProperty("socksProxyHost");
        System.clearProperty("socksProxyPort");
      }
    }
  }
}
