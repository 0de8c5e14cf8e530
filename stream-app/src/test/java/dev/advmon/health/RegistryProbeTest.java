package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistrySettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The readiness reason for a schema registry the health probe does not reach, from the real client's failures: refused
 * connection, no answer, 401, 503, TLS spoken to a plain-HTTP port. It ended with the exception's message alone
 * ("schema registry at http://x unreachable for 5 s: schema registry unavailable at http://x after 1 attempt(s); last
 * problem: ...", cut at 300 characters): the URL twice, no setting for the credentials or the trust store. Now it says
 * what to act on first, the client's words last, on one line, capped.
 */
class RegistryProbeTest {

  /** The probe's timeout where the test wants no answer in time (the server hangs, or speaks another protocol). */
  private static final long TIMEOUT_MS = 500;

  /**
   * The probe's timeout where the server answers (401, 503, 404, a refused connection): long, as a loaded machine
   * answered a 401 after more than 500 ms once, and the reason then said "nothing answered within 500 ms".
   */
  private static final long ANSWERS_MS = 30_000;

  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final AtomicInteger status = new AtomicInteger(200);
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile boolean hang;
  private volatile String message = "Unauthorized";
  private HttpServer server;
  private final java.util.concurrent.ExecutorService answering = java.util.concurrent.Executors.newCachedThreadPool();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      if (hang) {
        try {
          release.await(); // no answer until the test ends
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = ("{\"error_code\":" + status.get() + ",\"message\":\"" + message + "\"}")
          .getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status.get(), body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.setExecutor(answering);
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    answering.shutdownNow();
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private String reasonAt(String url) {
    return reasonAt(url, ANSWERS_MS);
  }

  /** As above, each try within {@code timeoutMs}. */
  private String reasonAt(String url, long timeoutMs) {
    return reasonAt(url, timeoutMs, "unreachable");
  }

  /** As above, the registry being {@code state} for the 5 s: "unreachable", unless it answered and refused. */
  private String reasonAt(String url, long timeoutMs, String state) {
    DependencyProbe probe = RegistryProbe.of(new HttpSchemaRegistryClient(RegistrySettings.builder(url)
        .connectTimeout(Duration.ofMillis(timeoutMs)).requestTimeout(Duration.ofMillis(timeoutMs)).build()),
        timeoutMs, clock::get);
    probe.check();
    clock.addAndGet(5_000);
    probe.check();
    String reason = probe.problem();
    assertThat(reason).as("one line, capped").doesNotContain("\n").hasSizeLessThanOrEqualTo(500)
        .startsWith("schema registry at " + url + " (registry.url) " + state + " for 5 s: ");
    return reason;
  }

  @Test
  void aRefusedConnectionSaysNothingAcceptsThemThereAndToCheckTheUrlsHostAndPort() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port;
    assertThat(reasonAt(url)).contains(": nothing accepts connections there; check that the registry runs and that"
        + " registry.url names its host and port (registry client: GET " + url + "/config failed: connection refused");
  }

  /**
   * A registry.url whose host name does not resolve (a Service's name or namespace mistyped): java.net.http reports it
   * as a bare ConnectException, which was read as a refused connection ("nothing accepts connections there ...
   * connection refused at ..."), sending the operator to check a registry that was never reached. Now the name is
   * said not to resolve, with what to check; and so in the per-URL view of several URLs.
   */
  @Test
  void aHostNameThatDoesNotResolveIsSaidSoNotTakenForARefusedConnection() throws IOException {
    String unknown = "http://schema-registry.no-such-namespace.invalid:8081";
    assertThat(reasonAt(unknown)).contains(": its host name does not resolve; check the host name in registry.url")
        .contains("(registry client: GET " + unknown + "/config failed: host name"
            + " schema-registry.no-such-namespace.invalid does not resolve")
        .doesNotContain("connection refused", "nothing accepts connections");
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String reason = reasonAt("http://127.0.0.1:" + port + "," + unknown);
    assertThat(reason).contains("127.0.0.1:" + port + ": connection refused")
        .contains("schema-registry.no-such-namespace.invalid:8081: host name does not resolve");
  }

  /**
   * No answer: the probe's timeout and what to check, without the client's words, which only said the URL again and
   * "timed out ... within 500 ms" (the reason was about 370 characters; Kubernetes events and people read it).
   */
  @Test
  void noAnswerNamesTheProbesTimeoutAndWhatToCheck() {
    hang = true;
    assertThat(reasonAt(url(), TIMEOUT_MS)).contains(": nothing answered within 500 ms (health.probe-timeout-ms);"
        + " check that the registry runs and is reachable from this host (host name, port, firewall, proxy) and speaks"
        + " the scheme of registry.url (http or https)")
        .doesNotContain("registry client", "after 1 attempt(s)")
        .hasSizeLessThanOrEqualTo(300);
  }

  /**
   * Two registry.url entries, one refusing connections, one answering 503: the reason gave the advice and words of
   * whichever the probe asked last (the refused one rests, so is asked last from the second probe on: "nothing
   * accepts connections there", and the failing registry behind the other went unnamed). Now each URL and how it
   * failed, as the start-up's reason says it, within the probe's cap; each with its own advice, as they failed
   * differently ("no registry.url answered ...; check that the registry runs behind each" sent the operator of the 503
   * to the network, not to the registry's log).
   */
  @Test
  void withSeveralUrlsTheReasonNamesEachUrlAndHowItFailed() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    status.set(503);
    String refused = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    String failing = url() + "/apis/ccompat/v7";
    String reason = reasonAt(refused + "," + failing);
    assertThat(reason.substring(reason.indexOf("unreachable for 5 s: ")))
        .isEqualTo("unreachable for 5 s: each registry.url failed: 127.0.0.1:" + port + ": connection refused"
            + " (check that a registry runs there); 127.0.0.1:" + server.getAddress().getPort() + ": HTTP 503 (check"
            + " its log and any proxy in front)");
  }

  /**
   * A registry refusing the login at one URL and down at the other: the probe stopped at the refusal, so the other URL
   * was never asked (asked first) or its failure dropped (asked before), and the reason named the refusing URL alone.
   * Now it asks each, and names each with what to check; the refusal still decides the state.
   */
  @Test
  void aRefusedLoginBesideADownUrlNamesBothUrlsEachWithWhatToCheck() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    status.set(401);
    String refusing = url();
    String down = "http://127.0.0.1:" + port;
    String reason = reasonAt(refusing + "," + down, ANSWERS_MS, "refusing the monitor's login");
    assertThat(reason.substring(reason.indexOf("for 5 s: ")))
        .isEqualTo("for 5 s: each registry.url failed: 127.0.0.1:" + server.getAddress().getPort() + ": HTTP 401,"
            + " login refused (check registry.basic-auth.user-info); 127.0.0.1:" + port + ": connection refused"
            + " (check that a registry runs there)");
  }

  /**
   * What the probe checks is unchanged by its asking on after a refusal: a URL that refuses the login, asked before one
   * that accepts it, still makes the registry "refusing the monitor's login" (it stopped there before); the other is
   * told as having answered, with nothing to do there.
   */
  @Test
  void aRefusalAskedBeforeAUrlThatAnswersStillRefusesAndTheOtherIsToldAsAnswered() throws IOException {
    HttpServer accepting = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    accepting.createContext("/", ex -> {
      byte[] body = "{\"compatibilityLevel\":\"BACKWARD\"}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    accepting.start();
    try {
      status.set(401);
      String other = "http://127.0.0.1:" + accepting.getAddress().getPort();
      String reason = reasonAt(url() + "," + other, ANSWERS_MS, "refusing the monitor's login");
      assertThat(reason).contains(server.getAddress().getPort() + ": HTTP 401, login refused (check"
          + " registry.basic-auth.user-info); 127.0.0.1:" + accepting.getAddress().getPort() + ": "
          + HttpSchemaRegistryClient.LOGIN_ACCEPTED).doesNotContain("runs there");
    } finally {
      accepting.stop(0);
    }
  }

  /**
   * A start-up request over two URLs, the first down, the second refusing the login: the start stops on the refusal
   * (as before), and its error named the refusing URL alone, the down one's failure dropped; the refusal now carries
   * what each URL did, for the start's error to name each (StartupGiveUpTest).
   */
  @Test
  void aStartUpRequestRefusedAtOneUrlNamesWhatTheUrlAskedBeforeItDid() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    status.set(401);
    String down = "http://127.0.0.1:" + port;
    var client = new HttpSchemaRegistryClient(RegistrySettings.builder(down + "," + url()).maxRetries(0)
        .connectTimeout(Duration.ofMillis(ANSWERS_MS)).requestTimeout(Duration.ofMillis(ANSWERS_MS)).build());

    dev.advmon.registry.RegistryRequestException refused = org.junit.jupiter.api.Assertions.assertThrows(
        dev.advmon.registry.RegistryRequestException.class,
        () -> client.register("verdicts-value", dev.advmon.schema.Alert.getClassSchema()));
    assertThat(refused.authenticationFailed()).isTrue();
    assertThat(refused.getMessage()).startsWith("registry " + url() + " refused to ")
        .contains("registry.basic-auth.user-info");
    assertThat(refused.failures()).containsExactly(java.util.Map.entry(down, "connection refused"),
        java.util.Map.entry(url(), "HTTP 401, login refused"));
  }

  /**
   * A refused login beside silent URLs (sockets that accept and never answer): after the refusal the ping asked each
   * for its whole timeout, for the reason's words alone, so each probe took a timeout longer per silent URL (nine: 27 s
   * at the probe's 3 s) before readiness said "refusing the monitor's login". Now each is waited for a third of the
   * timeout and none is asked once that has passed since the refusal; the same URL at each probe, so the words stay.
   */
  @Test
  void afterARefusedLoginSilentUrlsAreWaitedForAThirdOfTheTimeoutAndNoneAskedOnceItPassed() throws IOException {
    status.set(401);
    java.net.InetAddress loopback = java.net.InetAddress.getByName("127.0.0.1");
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, loopback);
        java.net.ServerSocket alsoSilent = new java.net.ServerSocket(0, 50, loopback)) {
      String first = "http://127.0.0.1:" + silent.getLocalPort();
      String second = "http://127.0.0.1:" + alsoSilent.getLocalPort();
      var client = new HttpSchemaRegistryClient(RegistrySettings.builder(url() + "," + first + "," + second)
          .connectTimeout(Duration.ofMillis(6_000)).requestTimeout(Duration.ofMillis(6_000)).build());

      for (int probe = 1; probe <= 2; probe++) {
        dev.advmon.registry.RegistryRequestException refused = org.junit.jupiter.api.Assertions.assertThrows(
            dev.advmon.registry.RegistryRequestException.class, () -> client.ping(Duration.ofMillis(6_000)));
        assertThat(refused.authenticationFailed()).isTrue();
        assertThat(refused.failures()).as("probe %d", probe).containsExactly(
            java.util.Map.entry(url(), "HTTP 401, login refused"),
            java.util.Map.entry(first, "no answer within 2000 ms"),
            java.util.Map.entry(second, "not asked: the login was refused first"));
      }
    }
  }

  /** Many long in-cluster URLs that all fail (here their names do not resolve): each named, within the probe's cap. */
  @Test
  void manyLongUrlsAreEachNamedWithinTheCap() {
    java.util.List<String> urls = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      urls.add("http://schema-registry-" + i + ".schema-registry.kafka.svc.cluster.local:" + (8081 + i));
    }
    var client = new HttpSchemaRegistryClient(RegistrySettings.builder(String.join(",", urls))
        .connectTimeout(Duration.ofMillis(TIMEOUT_MS)).requestTimeout(Duration.ofMillis(TIMEOUT_MS)).build());
    Exception failure = org.junit.jupiter.api.Assertions.assertThrows(
        dev.advmon.registry.RegistryUnavailableException.class, () -> client.ping(Duration.ofMillis(TIMEOUT_MS)));
    String reason = RegistryProbe.reason(failure, TIMEOUT_MS);
    assertThat(reason).hasSizeLessThanOrEqualTo(RegistryProbe.MAX_WORDS).isEqualTo("no registry.url answered"
        + " (schema-registry-<n>): 0:8081, 1:8082, 2:8083, 3:8084, 4:8085: host name does not resolve; check the host"
        + " names in registry.url and this host's DNS");
  }

  /** A registry that answered and refused the login is no outage: the line began "unreachable for 5 s". */
  @Test
  void aRefusedLoginNamesTheCredentialsSettingAndIsNotCalledUnreachable() {
    status.set(401);
    assertThat(reasonAt(url(), ANSWERS_MS, "refusing the monitor's login"))
        .contains(": it refused the monitor's credentials (HTTP 401); check"
            + " registry.basic-auth.user-info").contains("(registry client: registry " + url() + " refused");
  }

  /** A 503 is an answer: the line began "unreachable for 5 s", and sent the operator to the network first. */
  @Test
  void aServerErrorSaysToLookAtTheRegistrysLogAndIsNotCalledUnreachable() {
    status.set(503);
    assertThat(reasonAt(url(), ANSWERS_MS, "answering with errors"))
        .contains(": it answered with an error; check the registry's log")
        .endsWith("(registry client: GET " + url() + "/config answered HTTP 503)");
  }

  /**
   * A registry.url that is not the API root (Apicurio's without /apis/ccompat/v7): a JSON 404 for /config and
   * /subjects. The first advice was the server error's (the registry's log, a proxy), where registry.url is wrong.
   */
  @Test
  void aUrlThatIsNotTheApiRootSaysToCheckRegistryUrlNotTheRegistrysLog() {
    status.set(404);
    assertThat(reasonAt(url())).contains(": it answered, but not as a registry's API root; check registry.url")
        .doesNotContain("check the registry's log")
        .endsWith("(registry client: " + url() + " in registry.url is not the registry's API root (it answered GET"
            + " /config and GET /subjects with 'no such path'))");
  }

  /**
   * A registry that is failing (503) in words that happen to say "is not the registry's API root" (its own, about a
   * backend behind it): the client's words carry its answer, and the advice was read from them, telling the operator
   * to fix a registry.url that is right. Only the client knows that a URL answered as no API root; it says so itself.
   */
  @Test
  void aFailingRegistrysOwnWordsDoNotMakeItsUrlWrong() {
    status.set(503);
    message = "backend http://10.0.0.7:8080 is not the registry's API root";
    var client = new HttpSchemaRegistryClient(RegistrySettings.builder(url()).maxRetries(0)
        .initialBackoff(Duration.ofMillis(1)).requestTimeout(Duration.ofMillis(ANSWERS_MS)).build());
    Exception failure = org.junit.jupiter.api.Assertions.assertThrows(
        dev.advmon.registry.RegistryUnavailableException.class, () -> client.latest("frames-value"));
    assertThat(RegistryProbe.reason(failure, TIMEOUT_MS))
        .startsWith("it answered with an error; check the registry's log")
        .contains("is not the registry's API root") // its words, still at the end
        .doesNotContain("check registry.url");
  }

  /**
   * https:// to a plain-HTTP registry: a server that answers the TLS hello with an HTTP 400 (as Jetty, Vert.x and the
   * like do) gives an SSLException; the JDK's own HttpServer answers nothing at all, so the timeout's advice names the
   * scheme too.
   */
  @Test
  void tlsSpokenToAPlainHttpServerNamesTheSchemeAndTheTrustStore() throws Exception {
    try (java.net.ServerSocket plain = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> {
        while (!plain.isClosed()) {
          try (java.net.Socket s = plain.accept()) {
            s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
          } catch (IOException closed) {
            // closed by the test, or the client hung up first
          }
        }
      });
      answering.setDaemon(true);
      answering.start();
      String url = "https://127.0.0.1:" + plain.getLocalPort();
      // the answer comes at once, but the client's first TLS handshake (JSSE's start) took over 500 ms on a loaded
      // machine: a timeout then, and this test failed; a longer one costs nothing here
      assertThat(reasonAt(url, 10_000)).contains(": the TLS handshake failed; check that registry.url says https only where"
          + " the registry speaks TLS, and that registry.ssl.truststore.location holds the CA")
          .contains("(registry client: GET " + url + "/config failed:");
    }
  }

  /**
   * A running monitor's registry that now shows a certificate this host does not trust (renewed by another CA): the
   * start-up's call stops naming the trust store, the probe said only that "the TLS handshake failed" and to check the
   * scheme first, as for a registry that speaks no TLS.
   */
  @Test
  void anUntrustedCertificateSaysSoAndNamesTheTrustStoreSetting(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path keys = dev.advmon.testing.Keytool.keyPair(dir, "registry", 30, "changeit");
    try (dev.advmon.testing.TlsServer registry = new dev.advmon.testing.TlsServer(keys, "changeit")) {
      String url = "https://127.0.0.1:" + registry.port();
      // the JVM's default trust: no CA of it signed the keytool certificate; it answered: not "unreachable"
      assertThat(reasonAt(url, 10_000, "with a refused certificate"))
          .contains(": this host does not trust the registry's certificate")
          .contains("registry.ssl.truststore.location (ADVMON_REGISTRY_SSL_TRUSTSTORE_LOCATION) must hold its CA")
          .contains("read only when the monitor starts")
          .doesNotContain("says https only where");
    }
  }

  /**
   * A registry whose certificate this host trusts but which names another host (registry.url by IP, the certificate
   * by the Service's name): Java refuses it as it refuses an unknown CA, and the reason said only that the trust store
   * must hold its CA, which it does. The start-up's stop names both; so does the probe.
   */
  @Test
  void aTrustedCertificateForAnotherHostNamesTheHostInRegistryUrlToo(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path keys = namingAnotherHost(dir);
    try (dev.advmon.testing.TlsServer registry = new dev.advmon.testing.TlsServer(keys, "changeit")) {
      String url = "https://127.0.0.1:" + registry.port();
      DependencyProbe probe = trusting(keys, url);
      probe.check();

      assertThat(probe.problem()).contains(": this host does not trust the registry's certificate: it does not name"
          + " the host in registry.url").doesNotContain("must hold its CA");
    }
  }

  /** Each registry.url refusing the certificate: the trust store is what to check, not whether a registry runs. */
  @Test
  void everyUrlRefusingTheCertificateNamesTheTrustStoreNotAnOutage(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path keys = dev.advmon.testing.Keytool.keyPair(dir, "registry", 30, "changeit");
    try (dev.advmon.testing.TlsServer a = new dev.advmon.testing.TlsServer(keys, "changeit");
        dev.advmon.testing.TlsServer b = new dev.advmon.testing.TlsServer(keys, "changeit")) {
      String urls = "https://127.0.0.1:" + a.port() + ",https://127.0.0.1:" + b.port();
      DependencyProbe probe = RegistryProbe.of(new HttpSchemaRegistryClient(RegistrySettings.builder(urls)
          .connectTimeout(Duration.ofMillis(10_000)).requestTimeout(Duration.ofMillis(10_000)).build()),
          10_000, clock::get);
      probe.check();

      assertThat(probe.problem())
          .contains("(registry.url) with a refused certificate for 0 s: each registry.url failed: ")
          .contains(": certificate not trusted; ")
          .endsWith("; check registry.ssl.truststore.location")
          .doesNotContain("check that the registry runs");
    }
  }

  /**
   * Several registry.url entries whose certificates this host trusts but which name another host: each was labelled
   * "certificate not trusted", and the line said to check the trust store, which holds their CA. The rule that tells
   * the two apart for one URL labels each.
   */
  @Test
  void everyUrlShowingATrustedCertificateForAnotherHostNamesTheHostsNotTheTrustStore(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path keys = namingAnotherHost(dir);
    try (dev.advmon.testing.TlsServer a = new dev.advmon.testing.TlsServer(keys, "changeit");
        dev.advmon.testing.TlsServer b = new dev.advmon.testing.TlsServer(keys, "changeit")) {
      String urls = "https://127.0.0.1:" + a.port() + ",https://127.0.0.1:" + b.port();
      DependencyProbe probe = trusting(keys, urls);
      probe.check();

      assertThat(probe.problem()).contains("(registry.url) with a refused certificate for 0 s: ")
          .contains(a.port() + ": certificate for another host; ")
          .contains(b.port() + ": certificate for another host")
          .contains("use host names in registry.url that the certificates name")
          .doesNotContain("not trusted").doesNotContain("truststore");
    }
  }

  /**
   * Several registry.url entries whose certificates, signed by a CA this host trusts, have expired: each was labelled
   * "certificate not trusted" and the line said to check the trust store, which holds their CA. Now each says it
   * expired, and when, and the line says to renew them; one URL's reason gives the date too.
   */
  @Test
  void everyUrlShowingAnExpiredCertificateSaysExpiredWithTheDateNotUntrusted(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path ca = dir.resolve("ca.p12");
    java.nio.file.Path keys = dir.resolve("registry.p12");
    dev.advmon.testing.Keytool.run("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=ca", "-ext", "bc:c", "-validity", "30", "-keystore", ca.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit");
    dev.advmon.testing.Keytool.run("-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=registry", "-validity", "30", "-keystore", keys.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit");
    dev.advmon.testing.Keytool.run("-certreq", "-alias", "registry", "-keystore", keys.toString(), "-storepass",
        "changeit", "-file", dir.resolve("registry.csr").toString());
    // expired two days ago, signed by a CA: Java checks no dates of a certificate it trusts itself (a trust anchor)
    dev.advmon.testing.Keytool.run("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", "changeit",
        "-infile", dir.resolve("registry.csr").toString(), "-outfile", dir.resolve("registry.cer").toString(),
        "-startdate", "-10d", "-validity", "8", "-ext", "SAN=ip:127.0.0.1");
    dev.advmon.testing.Keytool.run("-exportcert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", "changeit",
        "-file", dir.resolve("ca.cer").toString());
    java.nio.file.Path trust = dir.resolve("trust.p12");
    for (String[] entry : new String[][] {{"ca", "ca.cer", keys.toString()}, {"registry", "registry.cer",
        keys.toString()}, {"ca", "ca.cer", trust.toString()}}) {
      dev.advmon.testing.Keytool.run("-importcert", "-noprompt", "-alias", entry[0], "-file",
          dir.resolve(entry[1]).toString(), "-keystore", entry[2], "-storetype", "PKCS12", "-storepass", "changeit");
    }
    java.time.Instant notAfter;
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(dir.resolve("registry.cer"))) {
      notAfter = ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in)).getNotAfter().toInstant();
    }
    try (dev.advmon.testing.TlsServer a = new dev.advmon.testing.TlsServer(keys, "changeit");
        dev.advmon.testing.TlsServer b = new dev.advmon.testing.TlsServer(keys, "changeit")) {
      DependencyProbe several = trusting(trust, "https://127.0.0.1:" + a.port() + ",https://127.0.0.1:" + b.port());
      several.check();
      DependencyProbe one = trusting(trust, "https://127.0.0.1:" + a.port());
      one.check();

      assertThat(several.problem()).contains("(registry.url) with a refused certificate for 0 s: ")
          .contains(a.port() + ": certificate expired on " + notAfter + "; ")
          .contains(b.port() + ": certificate expired on " + notAfter)
          .endsWith("; renew them, or set this host's clock right")
          .doesNotContain("not trusted").doesNotContain("truststore");
      assertThat(one.problem()).contains(": this host does not trust the registry's certificate: it is out of its"
          + " validity (expired on " + notAfter + "); renew it on the registry");
    }
  }

  /**
   * A start-up call (not the probe) over two URLs, one showing a certificate this host does not trust, one refusing
   * connections: not a stop (one URL is an outage), and its per-URL view said only "TLS handshake failed" for the first,
   * where the probe's says what Java refused.
   */
  @Test
  void aCallsPerUrlViewLabelsARefusedCertificateAsTheProbeDoes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path keys = dev.advmon.testing.Keytool.keyPair(dir, "registry", 30, "changeit");
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (dev.advmon.testing.TlsServer registry = new dev.advmon.testing.TlsServer(keys, "changeit")) {
      String tls = "https://127.0.0.1:" + registry.port();
      var client = new HttpSchemaRegistryClient(RegistrySettings.builder(tls + ",http://127.0.0.1:" + closed)
          .maxRetries(0).connectTimeout(Duration.ofMillis(10_000)).requestTimeout(Duration.ofMillis(10_000)).build());

      Exception failure = org.junit.jupiter.api.Assertions.assertThrows(
          dev.advmon.registry.RegistryUnavailableException.class, () -> client.latest("frames-value"));
      assertThat(((dev.advmon.registry.RegistryUnavailableException) failure).failures())
          .containsEntry(tls, HttpSchemaRegistryClient.CERTIFICATE_NOT_TRUSTED)
          .containsEntry("http://127.0.0.1:" + closed, "connection refused");
    }
  }

  @Test
  void tlsSpokenToAServerThatWaitsForAnHttpRequestLineNamesTheSchemeWithTheTimeout() {
    String url = "https://127.0.0.1:" + server.getAddress().getPort();
    assertThat(reasonAt(url, TIMEOUT_MS)).contains(": nothing answered within 500 ms (health.probe-timeout-ms);"
        + " check that the registry runs and is reachable from this host")
        .contains("and speaks the scheme of registry.url (http or https)");
  }

  /**
   * The registry refusing this host's client certificate, or wanting one (its TLS alert, as Java's client reports it):
   * the advice named the trust store and the scheme, neither of which it is. Now the client key store's setting.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"bad_certificate", "certificate_required",
      "handshake_failure"})
  void aRefusedOrWantedClientCertificateNamesTheKeyStoreNotTheTrustStore(String alert) {
    dev.advmon.registry.RegistryUnavailableException e = new dev.advmon.registry.RegistryUnavailableException(
        "https://registry:8443", 1, "x",
        new javax.net.ssl.SSLHandshakeException("Received fatal alert: " + alert));

    assertThat(RegistryProbe.reason(e, TIMEOUT_MS)).startsWith("the registry refused this host's client certificate,"
        + " or wanted one it did not get (TLS alert " + alert + "); check registry.ssl.keystore.location"
        + " (ADVMON_REGISTRY_SSL_KEYSTORE_LOCATION)").doesNotContain("truststore");
    assertThat(HttpSchemaRegistryClient.clientCertificateRefused(new java.io.IOException("closed",
        new javax.net.ssl.SSLException("Received fatal alert: " + alert))))
        .isEqualTo("client certificate " + (alert.equals("bad_certificate") ? "refused"
            : alert.equals("handshake_failure") ? "wanted, or no cipher in common" : "wanted") + " (TLS alert "
            + alert + ")");
  }

  /**
   * handshake_failure is what a TLS 1.2 server sends where it shares no cipher suite with Java's, too (openssl
   * s_server -tls1_2 -cipher CAMELLIA256-SHA: "Received fatal alert: handshake_failure", the same words as for
   * -Verify 1 without a client certificate): the advice named the key store alone. Now the ciphers too; a
   * certificate_required or bad_certificate, which tell of the certificate alone, does not.
   */
  @Test
  void aHandshakeFailureAlertAlsoNamesTheCiphersNotTheKeyStoreAlone() {
    java.util.function.Function<String, dev.advmon.registry.RegistryUnavailableException> alerted = alert ->
        new dev.advmon.registry.RegistryUnavailableException("https://registry:8443", 1, "x",
            new javax.net.ssl.SSLHandshakeException("Received fatal alert: " + alert));

    assertThat(RegistryProbe.reason(alerted.apply("handshake_failure"), TIMEOUT_MS))
        .contains("registry.ssl.keystore.location").contains("shares a TLS version and cipher suite with Java's");
    assertThat(RegistryProbe.reason(alerted.apply("certificate_required"), TIMEOUT_MS)).doesNotContain("cipher");
    assertThat(RegistryProbe.reason(alerted.apply("bad_certificate"), TIMEOUT_MS)).doesNotContain("cipher");
  }

  /**
   * A registry whose TLS alert refused this host's client certificate, or wanted one, answered: readiness called it
   * "unreachable for N s", which sent the operator to the network before the reason named the key store. At every URL
   * alike, as at one; a URL that is down beside it is an outage still, and so is another alert.
   */
  @Test
  void aRegistryRefusingTheClientCertificateIsNotCalledUnreachable() {
    java.util.function.Function<String, dev.advmon.registry.RegistryUnavailableException> alerted = alert ->
        new dev.advmon.registry.RegistryUnavailableException("https://registry:8443", 1, "x",
            new java.io.IOException("closed", new javax.net.ssl.SSLHandshakeException("Received fatal alert: "
                + alert)));
    java.util.function.BiFunction<String, String, dev.advmon.registry.RegistryUnavailableException> two = (a, b) ->
        new dev.advmon.registry.RegistryUnavailableException("https://a:8443,https://b:8443", 2, "x", false,
            java.util.Map.of("https://a:8443", a, "https://b:8443", b), false, null);
    String refused = "client certificate refused (TLS alert bad_certificate)";

    assertThat(RegistryProbe.state(alerted.apply("bad_certificate"))).isEqualTo("refusing the TLS handshake");
    assertThat(RegistryProbe.state(alerted.apply("certificate_required"))).isEqualTo("refusing the TLS handshake");
    assertThat(RegistryProbe.state(alerted.apply("handshake_failure"))).isEqualTo("refusing the TLS handshake");
    assertThat(RegistryProbe.state(alerted.apply("protocol_version"))).isEqualTo(DependencyProbe.UNREACHABLE);
    assertThat(RegistryProbe.state(two.apply(refused, "client certificate wanted (TLS alert certificate_required)")))
        .isEqualTo("refusing the TLS handshake");
    assertThat(RegistryProbe.state(two.apply(refused, "connection refused"))).isEqualTo(DependencyProbe.UNREACHABLE);
  }

  /** Another alert (a protocol version the registry does not speak) is not sent to the key store. */
  @Test
  void anotherTlsAlertIsNotTakenForAClientCertificate() {
    assertThat(HttpSchemaRegistryClient.clientCertificateRefused(new javax.net.ssl.SSLHandshakeException(
        "Received fatal alert: protocol_version"))).isNull();
  }

  /** A PKCS12 key pair for the registry whose certificate names registry.kafka.svc, not the 127.0.0.1 it is asked at. */
  private static java.nio.file.Path namingAnotherHost(java.nio.file.Path dir) throws Exception {
    java.nio.file.Path keys = dir.resolve("registry.p12");
    dev.advmon.testing.Keytool.run("-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=registry", "-ext", "SAN=dns:registry.kafka.svc", "-validity", "30", "-keystore",
        keys.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
    return keys;
  }

  /** The probe of {@code urls} for a monitor whose registry trust store is {@code keys} (it trusts their certificate). */
  private DependencyProbe trusting(java.nio.file.Path keys, String urls) {
    return RegistryProbe.of(new HttpSchemaRegistryClient(RegistrySettings.builder(urls)
        .truststore(new RegistrySettings.Store(keys, "PKCS12", "changeit"))
        .connectTimeout(Duration.ofMillis(10_000)).requestTimeout(Duration.ofMillis(10_000)).build()),
        10_000, clock::get);
  }
}
