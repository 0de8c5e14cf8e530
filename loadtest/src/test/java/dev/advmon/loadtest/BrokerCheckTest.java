package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  /** Addresses that neither accept nor refuse (a firewall dropping the SYN) until the test ends: a dead broker. */
  private static final class Silent implements BrokerCheck.Connector {
    final CountDownLatch testOver = new CountDownLatch(1);
    final Set<String> tried = ConcurrentHashMap.newKeySet();
    /** Counted down by each attempt: a live address answers once every address is being tried. */
    final CountDownLatch triedAll;

    Silent(int addresses) {
      triedAll = new CountDownLatch(addresses);
    }

    @Override
    public String attempt(String host, int port, Duration wait) {
      tried.add(host + ":" + port);
      triedAll.countDown();
      if (host.startsWith("live")) {
        // not at once: the check could then return before the thread of an address listed after it had begun, and
        // the test read tried without that address (seen on a loaded 2-core machine)
        try {
          triedAll.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return null;
      }
      try {
        testOver.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "connect timed out";
    }
  }

  /**
   * Before: each address was given its 10 s in turn, so three dead addresses listed before a live one delayed the run
   * 30 s. Here the dead ones never give up while the test runs: tried in turn, the live one is never reached.
   */
  @Test
  void deadAddressesListedFirstDoNotHoldUpTheLiveOneAndTheLiveOneIsNamed() throws Exception {
    Silent connector = new Silent(4);
    try {
      CompletableFuture<String> answered = CompletableFuture.supplyAsync(() -> BrokerCheck.requireListening(
          "dead-1:9092, dead-2:9092,dead-3:9092,live:9092", "--config m.properties", Duration.ofMinutes(10),
          connector, new Interruption(Duration.ofSeconds(30))));
      assertThat(answered.get(60, TimeUnit.SECONDS)).isEqualTo("live:9092"); // a guard against a hang, not a timing
      assertThat(connector.tried).contains("dead-1:9092", "dead-2:9092", "dead-3:9092", "live:9092");
    } finally {
      connector.testOver.countDown();
    }
  }

  @Test
  void whenNoAddressAnswersWithinTheWaitEachIsNamed() throws Exception {
    Silent connector = new Silent(2);
    try {
      CompletableFuture<Throwable> check = CompletableFuture.supplyAsync(() -> {
        try {
          BrokerCheck.requireListening("dead-1:9092,dead-2:9093", "--config m.properties",
              Duration.ofMillis(100), connector, new Interruption(Duration.ofSeconds(30)));
          return null;
        } catch (Throwable e) {
          return e;
        }
      });
      assertThat(check.get(60, TimeUnit.SECONDS)) // a guard against a hang, not a timing
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("at Kafka's addresses dead-1:9092 (no connection within 0 s), dead-2:9093 (")
          .hasMessageContaining("check kafka.bootstrap.servers in --config m.properties");
    } finally {
      connector.testOver.countDown();
    }
  }

  /** Before: Ctrl-C while the check waited was heard only after every address had had its 10 s. */
  @Test
  void aStopRequestedWhileWaitingForTheAddressesEndsTheCheckAtOnce() throws Exception {
    Silent connector = new Silent(1);
    Interruption stop = new Interruption(Duration.ofSeconds(30));
    stop.begin();
    try {
      CompletableFuture<Throwable> check = CompletableFuture.supplyAsync(() -> {
        try {
          BrokerCheck.requireListening("dead-1:9092", "--config m.properties", Duration.ofMinutes(10), connector, stop);
          return null;
        } catch (Throwable e) {
          return e;
        }
      });
      CompletableFuture.runAsync(stop::onShutdown);
      assertThat(check.get(60, TimeUnit.SECONDS)).isInstanceOf(Interruption.Stopped.class);
    } finally {
      stop.finished();
      connector.testOver.countDown();
    }
  }

  /**
   * A name with several addresses (DNS round robin, a stale A record beside the live one, localhost as ::1 and
   * 127.0.0.1): the Kafka client tries the next address when one gives no answer. Before, the check gave the first
   * address the whole wait, never tried the second, and stopped the run with "nothing accepted a connection" at a
   * broker the client reaches. Here the first address never answers while the test runs.
   */
  @Test
  void aNameWhoseFirstAddressGivesNoAnswerIsReachedAtItsNextAddress() throws Exception {
    InetAddress silent = InetAddress.getByAddress("broker", new byte[] {(byte) 192, 0, 2, 1});
    InetAddress live = InetAddress.getByAddress("broker", new byte[] {127, 0, 0, 1});
    CountDownLatch testOver = new CountDownLatch(1);
    BrokerCheck.Dialer dialer = (address, timeoutMs) -> {
      if (address.getAddress().equals(silent)) {
        try {
          testOver.await(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new SocketTimeoutException("connect timed out");
      }
    };
    try {
      Duration wait = Duration.ofMinutes(10);
      CompletableFuture<String> why = CompletableFuture.supplyAsync(() -> BrokerCheck.tryConnect(
          new InetAddress[] {silent, live}, 9092, wait, System.nanoTime() + wait.toNanos(), dialer));
      assertThat(why.get(60, TimeUnit.SECONDS)).isNull(); // a guard against a hang, not a timing
    } finally {
      testOver.countDown();
    }
  }

  /** Before: "a:9092," printed "of a:9092, " (an empty entry), and "a:9092,b:9093," showed one after b:9093. */
  @Test
  void theFirstAcceptedLineNamesOnlyTheAddressesGiven() {
    assertThat(BrokerCheck.acceptedFirstLine("a:9092", " a:9092 ,b:9093,"))
        .isEqualTo("loadtest: Kafka accepted a connection at a:9092 first, of a:9092, b:9093");
    assertThat(BrokerCheck.acceptedFirstLine("a:9092", "a:9092,")).as("one address: nothing to choose between")
        .isNull();
  }

  /**
   * Before: "nothing accepted a connection within 600 s" although each address had refused at once: the wait was
   * never waited, and the user looked for a slow network rather than a broker down.
   */
  @Test
  void addressesThatAllRefuseAtOnceAreNotSaidToHaveHadTheWait() {
    assertThatThrownBy(() -> BrokerCheck.requireListening("dead-1:9092,dead-2:9093", "--config m.properties",
        Duration.ofMinutes(10), (host, port, wait) -> "Connection refused", new Interruption(Duration.ofSeconds(30))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dead-1:9092 (Connection refused), dead-2:9093 (Connection refused)")
        .hasMessageContaining("check kafka.bootstrap.servers in --config m.properties")
        .satisfies(e -> assertThat(e.getMessage()).as(e.getMessage()).doesNotContain("within"));
  }
  /**
   * An address that gives no answer is reported by its own attempt, bounded by the wait ("Connect timed out" at 10 s),
   * so it is heard before the check's deadline: "within 10 s" was then never said, even for the silence it is for.
   */
  @Test
  void anAddressWhoseAttemptUsedUpTheWaitIsSaidToHaveHadIt() {
    BrokerCheck.Connector timesOut = (host, port, wait) -> {
      long end = System.nanoTime() + wait.toNanos(); // as the real attempt: no answer until its wait is used up
      while (System.nanoTime() < end) {
        java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
      }
      return "Connect timed out";
    };
    assertThatThrownBy(() -> BrokerCheck.requireListening("silent:9092", "--config m.properties",
        Duration.ofSeconds(1), timesOut, new Interruption(Duration.ofSeconds(30))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nothing accepted a connection within 1 s at Kafka's address silent:9092 (Connect "
            + "timed out)");
  }
}
