package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The test registry's compatibility PUT ({@link SchemaRegistryServer#putUntilAnswered}) against a registry stand-in:
 * one slow answer must not fail the JVM's whole registry, a refusal must not be asked again for two minutes.
 */
class SchemaRegistryServerPutTest {

  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpClient http = HttpClient.newHttpClient();
  private HttpServer server;

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  /** A stand-in whose first request hangs (until the test ends), and whose later ones get {@code status}. */
  private URI registry(int status) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      try (ex) {
        if (requests.incrementAndGet() == 1) {
          release.await(60, TimeUnit.SECONDS);
        }
        ex.sendResponseHeaders(status, -1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/config");
  }

  @Test
  void aTryThatGetsNoAnswerInTimeIsTriedAgainWithinTheBound() throws IOException {
    URI config = registry(200);

    String failed = SchemaRegistryServer.putUntilAnswered(http, config, "{\"compatibility\":\"BACKWARD\"}",
        Duration.ofMillis(500), Duration.ofSeconds(120), () -> true);

    assertThat(failed).as("what the PUT got").isNull();
    assertThat(requests.get()).as("the hanging try, then one answered").isGreaterThanOrEqualTo(2);
  }

  @Test
  void aRefusalEndsItAtOnceSayingWhatCameBack() throws IOException {
    URI config = registry(422);
    release.countDown(); // no try hangs: the first is refused

    String failed = SchemaRegistryServer.putUntilAnswered(http, config, "{\"compatibility\":\"BACKWARD\"}",
        Duration.ofSeconds(30), Duration.ofSeconds(120), () -> true);

    assertThat(failed).as("what the PUT got").contains("HTTP 422");
    assertThat(requests.get()).as("a refusal is not asked again").isEqualTo(1);
  }

  @Test
  void aRegistryThatNeverAnswersIsGivenUpAtTheBoundSayingHowOftenItWasTried() throws IOException {
    URI config = registry(503);

    String failed = SchemaRegistryServer.putUntilAnswered(http, config, "{\"compatibility\":\"BACKWARD\"}",
        Duration.ofMillis(300), Duration.ofSeconds(3), () -> true);

    assertThat(failed).as("what the PUT got").contains("HTTP 503").contains("tries within 3 s");
  }
}
