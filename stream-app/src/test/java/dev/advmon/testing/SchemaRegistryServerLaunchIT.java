package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/**
 * A registry launched to boot while the caller starts something else ({@link SchemaRegistryServer#launchDedicated()},
 * as FaultToleranceIT and OutageRecoveryIT do while a broker starts, and {@link SchemaRegistryServer#shared()} for
 * ReplicatedClusterOutageIT while three nodes start, when no class before it has launched it), then waited for with
 * {@link SchemaRegistryServer.Running#ready()}: the broker's start may take longer than the registry's start timeout
 * on a loaded machine (the broker's own allows 90 s, the registry's 60 s from its launch). And one whose port, found
 * free, was taken by another process before it bound it, which is launched again on another port.
 */
class SchemaRegistryServerLaunchIT {

  @Test
  void aRegistryThatIsUpIsFoundReadyEvenWhenWaitedForOnlyAfterItsStartTimeoutHasPassed() {
    try (SchemaRegistryServer.Running registry = SchemaRegistryServer.launchDedicated()) {
      registry.ready();

      // as if the caller had spent longer than the start timeout starting its broker before asking
      long launchedLongAgo = System.nanoTime() - Duration.ofSeconds(61).toNanos();
      assertThatCode(() -> registry.awaitReady(launchedLongAgo))
          .as("a registry that answers is ready, however late it is asked").doesNotThrowAnyException();
    }
  }

  @Test
  void aRegistryWhosePortWasTakenBeforeItBoundItStartsOnAnotherPort() throws IOException, InterruptedException {
    try (ServerSocket taker = new ServerSocket()) {
      taker.bind(new InetSocketAddress("127.0.0.1", ChildProcess.freePort())); // as another process would, first
      try (SchemaRegistryServer.Running registry = SchemaRegistryServer.startFirstOn(taker.getLocalPort())) {
        registry.ready();

        assertThat(registry.port()).as("the port it lost").isNotEqualTo(taker.getLocalPort());
        HttpResponse<String> subjects = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(subjects.statusCode()).as("GET %s/subjects", registry.url()).isEqualTo(200);
      }
    }
  }
}
