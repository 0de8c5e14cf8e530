package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.schema.Frame;
import dev.advmon.testing.FaultyHttpProxy;
import dev.advmon.testing.FaultyHttpProxy.Answer;
import dev.advmon.testing.LogLines;
import dev.advmon.topology.Failures;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The registry client behind a load balancer that is up but sick ({@link FaultyHttpProxy} in front of a fake
 * registry): for each way of answering, whether a frame whose schema id is not cached yet would be dead-lettered
 * (the record's fault: {@link Failures.Kind#RECORD}), stop the monitor ({@link Failures.Kind#FATAL}), or stall the
 * stream until the registry is back ({@link Failures.Kind#SYSTEMIC}), and whether the client works again once the
 * proxy passes requests through.
 */
class RegistryBehindAFaultyProxyTest {

  private FakeRegistryServer registry;
  private FaultyHttpProxy proxy;
  private int frameId;

  @BeforeEach
  void start() throws IOException {
    registry = new FakeRegistryServer();
    proxy = FaultyHttpProxy.inFrontOf(registry.url());
    // registered directly, so that the client behind the proxy has not cached it: a frame with a new schema id
    frameId = new HttpSchemaRegistryClient(RegistrySettings.builder(registry.url()).build())
        .register("frames-value", Frame.getClassSchema());
  }

  @AfterEach
  void stop() {
    proxy.close();
    registry.close();
  }

  private HttpSchemaRegistryClient client() {
    return new HttpSchemaRegistryClient(RegistrySettings.builder(proxy.url())
        .maxRetries(2)
        .initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofMillis(5))
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5))
        .build());
  }

  static Stream<Answer> sickAnswers() {
    return Stream.of(
        Answer.registryError(500, 50001, "Error in the backend data store"),
        Answer.htmlPage(502, "Bad Gateway"),
        Answer.of(503, null, "", "Retry-After", "5"),
        Answer.htmlPage(503, "Service Temporarily Unavailable"),
        Answer.htmlPage(504, "Gateway Time-out"));
  }

  @ParameterizedTest
  @MethodSource("sickAnswers")
  void aRegistryAnswering5xxStallsTheStreamInsteadOfDeadLetteringAndWorksOnceHealthy(Answer sick) {
    HttpSchemaRegistryClient client = client();
    proxy.answer(sick);

    assertThatThrownBy(() -> client.byId(frameId))
        .isInstanceOfSatisfying(RegistryUnavailableException.class,
            e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC))
        .hasMessageContaining(proxy.url())
        .hasMessageContaining("HTTP " + sick.status());
    assertThat(proxy.count("/schemas/ids/")).isEqualTo(3);

    proxy.passThrough();
    assertThat(client.byId(frameId)).isEqualTo(Frame.getClassSchema());
  }

  @Test
  void aRetryWaitsAsLongAsRetryAfterAsksUpToTheLongestBackoff() {
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistrySettings.builder(proxy.url())
        .maxRetries(1)
        .initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofSeconds(5)) // the longest wait: Retry-After beyond it is cut to it
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5))
        .build());
    proxy.answer(Answer.of(503, null, "", "Retry-After", "1")); // a load balancer shedding load

    long start = System.nanoTime();
    assertThatThrownBy(() -> client.byId(frameId)).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("Retry-After: 1 s");
    // a lower bound only: the retry came no sooner than asked (the backoff alone is about a millisecond)
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1_000));
    assertThat(proxy.count("/schemas/ids/")).isEqualTo(2);
  }

  @Test
  void retryAfterReadsSecondsOrAnHttpDateAndIgnoresAnythingElse() {
    assertThat(HttpSchemaRegistryClient.retryAfterMs("120")).isEqualTo(120_000);
    assertThat(HttpSchemaRegistryClient.retryAfterMs(" 0 ")).isZero();
    String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
        .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
    assertThat(HttpSchemaRegistryClient.retryAfterMs(inTenSeconds)).isBetween(8_000L, 10_000L);
    assertThat(HttpSchemaRegistryClient.retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")).as("in the past").isZero();
    assertThat(HttpSchemaRegistryClient.retryAfterMs("soon")).isZero();
    assertThat(HttpSchemaRegistryClient.retryAfterMs("-5")).isZero();
    assertThat(HttpSchemaRegistryClient.retryAfterMs(null)).isZero();
    assertThat(HttpSchemaRegistryClient.retryAfterMs("99999999999999999999")).as("overflows: ignored").isZero();
  }

  @Test
  void theRegistrysOwn404ForAnIdItDoesNotKnowIsTheRecordsFaultAndNamesTheId() {
    assertThatThrownBy(() -> client().byId(frameId + 1000))
        .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
          assertThat(e.schemaId()).hasValue(frameId + 1000);
          assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.RECORD);
        })
        .hasMessageContaining("schema id " + (frameId + 1000) + " not found at " + proxy.url());
    assertThat(proxy.count("/schemas/ids/")).isEqualTo(1);
  }

  @Test
  void aProxysOwn404PageForAKnownSchemaIdIsNotTheFramesFaultAndIsNotRemembered() {
    HttpSchemaRegistryClient client = client();
    // a load balancer whose route to the registry is gone for a moment (a redeploy, an ingress reload)
    proxy.answer(Answer.htmlPage(404, "Not Found"));

    assertThatThrownBy(() -> client.byId(frameId))
        .isInstanceOfSatisfying(RegistryUnavailableException.class,
            e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC))
        .hasMessageContaining(proxy.url())
        .hasMessageContaining("HTTP 404")
        .hasMessageContaining("not the registry's");

    proxy.passThrough();
    assertThat(client.byId(frameId)).isEqualTo(Frame.getClassSchema());
  }

  @Test
  void aHealthProbeAnsweredByAProxysPageSaysTheRegistryIsUnavailable() {
    HttpSchemaRegistryClient client = client();
    proxy.answer(Answer.htmlPage(404, "Not Found"));

    assertThatThrownBy(() -> client.ping(Duration.ofSeconds(2)))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining(proxy.url() + "/config answered HTTP 404")
        .hasMessageContaining("not the registry's");

    proxy.passThrough();
    client.ping(Duration.ofSeconds(2));
  }

  @Test
  void aSlowRegistryIsWaitedForWithinTheTimeoutAndIsUnavailablePastTheCallsDeadline() {
    proxy.delay(Duration.ofMillis(300));
    assertThat(client().byId(frameId)).isEqualTo(Frame.getClassSchema());

    // Answers a minute late: without the call's deadline the six attempts would each wait out the request timeout
    // (60 s in all). The bound is 30 s, not a second or two above the 700 ms deadline, so that only a client that
    // ignores the deadline fails it, not a loaded CI machine.
    proxy.delay(Duration.ofSeconds(60));
    HttpSchemaRegistryClient impatient = new HttpSchemaRegistryClient(RegistrySettings.builder(proxy.url())
        .maxRetries(5).requestTimeout(Duration.ofSeconds(10)).callDeadline(Duration.ofMillis(700)).build());
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> impatient.byId(frameId))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("timed out");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aTwoHundredHtmlPageStopsTheMonitorNamingTheUrlInsteadOfDeadLettering() {
    proxy.answer(Answer.htmlPage(200, "Maintenance"));

    assertThatThrownBy(() -> client().byId(frameId))
        .isInstanceOfSatisfying(RegistryRequestException.class,
            e -> assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.FATAL))
        .hasMessageContaining(proxy.url())
        .hasMessageContaining("not JSON");
  }

  @Test
  void retriesAreLoggedWithTheUrlAndStatusOncePerAttempt() {
    List<String> logged;
    try (LogLines lines = LogLines.of(HttpSchemaRegistryClient.class)) {
      proxy.answer(Answer.htmlPage(503, "Service Temporarily Unavailable"));
      assertThatThrownBy(() -> client().byId(frameId)).isInstanceOf(RegistryUnavailableException.class);
      logged = lines.messages();
    }
    assertThat(logged).hasSize(2).allSatisfy(line -> assertThat(line)
        .contains(proxy.url() + "/schemas/ids/" + frameId).contains("HTTP 503"));
  }
}
