package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.advmon.schema.Frame;
import dev.advmon.testing.Keytool;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS against an https fake registry, with throw-away certificates made by the JDK's keytool. */
class RegistryTlsTest {

  private static final String PASSWORD = "changeit";

  @TempDir static Path dir;

  private static Path serverKeys;
  private static Path clientKeys;
  private static Path clientTrust; // trusts the server
  private static Path serverTrust; // trusts the client

  @BeforeAll
  static void makeCertificates() throws Exception {
    serverKeys = Keytool.keyPair(dir, "server", 2, PASSWORD);
    clientKeys = Keytool.keyPair(dir, "client", 2, PASSWORD);
    clientTrust = trustStoreFor("server", serverKeys);
    serverTrust = trustStoreFor("client", clientKeys);
  }

  @Test
  void trustsTheRegistryThroughTheConfiguredTrustStore() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer("", serverContext(false), false)) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(settings(server)
          .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD)).build());

      assertThat(client.register("frames-value", Frame.getClassSchema())).isPositive();
      assertThat(server.url()).startsWith("https://");
    }
  }

  /**
   * A certificate this host does not trust is a setting to fix, not an outage: the monitor's start-up waited for such a
   * registry for ever (TLS walk: the registry's CA not in registry.ssl.truststore.location), each try logged as if the
   * registry were down, while an untrusted broker stops it at once. Thrown as a refusal, it stops the start-up.
   */
  @Test
  void anUntrustedCertificateIsAConfigurationErrorNamingTheTrustStoreNotAnOutage() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer("", serverContext(false), false)) {
      HttpSchemaRegistryClient javaDefault = new HttpSchemaRegistryClient(settings(server).build());
      HttpSchemaRegistryClient anotherCa = new HttpSchemaRegistryClient(settings(server)
          .truststore(new RegistrySettings.Store(serverTrust, "PKCS12", PASSWORD)).build());

      for (HttpSchemaRegistryClient client : List.of(javaDefault, anotherCa)) {
        assertThatThrownBy(() -> client.register("frames-value", Frame.getClassSchema()))
            .isInstanceOfSatisfying(RegistryRequestException.class, e -> {
              assertThat(e.misconfigured()).as("stops the monitor, as a refused login does").isTrue();
              assertThat(e.untrustedCertificate()).isTrue();
            })
            .hasMessageContaining("does not trust the certificate")
            .hasMessageContaining("at each of 2 tries") // settings(): one retry, and a stop only after it
            .hasMessageContaining("registry.ssl.truststore.location (ADVMON_REGISTRY_SSL_TRUSTSTORE_LOCATION;")
            .hasMessageContaining(RegistrySettings.TRUSTSTORE_LOCATION)
            .hasMessageContaining(server.url());
      }
      assertThat(server.requests).isEmpty();
    }
  }

  /**
   * One node behind the registry's load balancer with a certificate of another CA (a node missed by a rotation, a
   * proxy's blip) refuses one try, not the registry: the call's next try reaches a good node. Stopping on the first
   * refusal turned that into exit 2 at start, and stopped a running monitor, on a single handshake.
   */
  @Test
  void oneRefusedCertificateAmongTheCallsTriesIsRetriedNotAStop() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer("", alternatingServerContext(), false)) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(settings(server)
          .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD)).build());

      assertThat(client.register("frames-value", Frame.getClassSchema())).isPositive();
    }
  }

  /**
   * README said these two were refused as the CA missing from the trust store is, untested: Java's HTTP client checks
   * the host name and the validity in the handshake, and says so with the certificate exceptions that tell a refusal.
   */
  @Test
  void anotherHostsOrAnExpiredCertificateIsRefusedAsUntrusted() throws Exception {
    Path otherHost = keyPairNaming("elsewhere", "dns:elsewhere.invalid");
    // signed by a CA: Java does not check the validity of a certificate trusted itself (a trust anchor)
    Path ca = keyPairNaming("ca", "dns:ca.invalid");
    Path expired = keyPairNaming("expired", "ip:127.0.0.1");
    Keytool.run("-certreq", "-alias", "expired", "-keystore", expired.toString(), "-storepass", PASSWORD,
        "-file", dir.resolve("expired.csr").toString());
    Keytool.run("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD,
        "-infile", dir.resolve("expired.csr").toString(), "-outfile", dir.resolve("expired.cer").toString(),
        "-startdate", "-10d", "-validity", "2", "-ext", "SAN=ip:127.0.0.1");
    Path trustsCa = trustStoreFor("ca", ca); // also leaves ca.cer, for the chain below
    Keytool.run("-importcert", "-noprompt", "-alias", "ca", "-file", dir.resolve("ca.cer").toString(),
        "-keystore", expired.toString(), "-storepass", PASSWORD);
    Keytool.run("-importcert", "-noprompt", "-alias", "expired", "-file", dir.resolve("expired.cer").toString(),
        "-keystore", expired.toString(), "-storepass", PASSWORD);
    for (Path keys : List.of(otherHost, expired)) {
      String name = keys.getFileName().toString().replace(".p12", "");
      Path trust = keys == expired ? trustsCa : trustStoreFor(name, keys);
      try (FakeRegistryServer server = new FakeRegistryServer("", contextOf(keys), false)) {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(settings(server)
            .truststore(new RegistrySettings.Store(trust, "PKCS12", PASSWORD)).build());

        assertThat(catchThrowable(() -> client.register("frames-value", Frame.getClassSchema())))
            .as(name)
            .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.untrustedCertificate()).isTrue())
            .hasMessageContaining(keys == expired ? "renew it on the registry" : "must name the host in registry.url");
      }
    }
  }

  @Test
  void httpsToAPlainHttpPortIsStillWaitedForAsAnOutage() throws Exception {
    // https to a port that speaks plain http (a registry restarted without TLS, a proxy's wrong port): no
    // certificate was judged, so it stays an outage the start-up waits out (Java gives up as on a silent port)
    try (FakeRegistryServer plain = new FakeRegistryServer()) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistrySettings
          .builder(plain.url().replace("http://", "https://")).maxRetries(0).connectTimeout(Duration.ofMillis(300))
          .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD)).build());

      assertThatThrownBy(() -> client.register("frames-value", Frame.getClassSchema()))
          .isInstanceOf(RegistryUnavailableException.class);
    }
  }

  @Test
  void presentsTheClientCertificateForMutualTls() throws Exception {
    try (FakeRegistryServer server = new FakeRegistryServer("", serverContext(true), true)) {
      RegistrySettings.Store trust = new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD);
      HttpSchemaRegistryClient withCert = new HttpSchemaRegistryClient(settings(server).truststore(trust)
          .keystore(new RegistrySettings.Store(clientKeys, "PKCS12", PASSWORD)).build());
      // TLS 1.3 rejects a missing client certificate after the client's handshake has finished, so the
      // client sees a dead connection rather than a handshake error: keep its timeout short.
      HttpSchemaRegistryClient withoutCert = new HttpSchemaRegistryClient(settings(server).truststore(trust)
          .maxRetries(0).requestTimeout(Duration.ofMillis(500)).build());

      assertThat(withCert.register("frames-value", Frame.getClassSchema())).isPositive();
      assertThatThrownBy(() -> withoutCert.byId(1)).isInstanceOf(RegistryUnavailableException.class);
    }
  }

  /**
   * A registry on Java that wants a client certificate (Jetty's, Confluent Schema Registry's; here the JDK's server,
   * TLS 1.3) judges it after the client's handshake and closes the connection with no alert that java.net.http reports:
   * the request failed as "header parser received no bytes", told as an outage ("check that the registry runs"). That
   * it asked for a certificate in that request's handshake names the key store instead, without one and with one the
   * registry does not trust alike (Java's client then sends none: no CA the registry named issued it).
   */
  @Test
  void aRegistryThatAsksForAClientCertificateThenClosesTheConnectionNamesTheKeyStore() throws Exception {
    Path stranger = Keytool.keyPair(dir, "stranger", 2, PASSWORD);
    try (FakeRegistryServer server = new FakeRegistryServer("", serverContext(true), true)) {
      RegistrySettings.Store trust = new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD);
      for (RegistrySettings.Store keys : new RegistrySettings.Store[] {null,
          new RegistrySettings.Store(stranger, "PKCS12", PASSWORD)}) {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(settings(server).truststore(trust).keystore(keys)
            .maxRetries(0).requestTimeout(Duration.ofSeconds(10)).build());

        Throwable e = catchThrowable(() -> client.ping(Duration.ofSeconds(10)));

        assertThat(e).as("key store %s", keys).isInstanceOf(RegistryUnavailableException.class);
        assertThat(HttpSchemaRegistryClient.clientCertificateRefused(e.getCause())).as("key store %s", keys)
            .isEqualTo("client certificate wanted (asked for in the TLS handshake, then the connection closed)");
        assertThat(dev.advmon.health.RegistryProbe.advice((Exception) e, 10_000, "registry.timeout-ms"))
            .startsWith("the registry asked for this host's client certificate in the TLS handshake, got none")
            .contains("check registry.ssl.keystore.location");
        assertThat(dev.advmon.health.RegistryProbe.answered((Exception) e)).isTrue();
        assertThat(catchThrowable(() -> client.byId(1))).isInstanceOf(RegistryUnavailableException.class)
            .hasMessageContaining("asked for a client certificate");
      }
    }
  }

  /**
   * A registry that asked for the client certificate, got it, finished the handshake and then closed the connection
   * without answering (a restart, a proxy's reset) is not told as refusing the certificate: with mutual TLS working,
   * every new connection's handshake asks for one and gets it.
   */
  @Test
  void aRegistryThatGotTheClientCertificateAndClosedIsNotToldAsRefusingIt() throws Exception {
    try (javax.net.ssl.SSLServerSocket listener = (javax.net.ssl.SSLServerSocket) serverContext(true)
        .getServerSocketFactory().createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      Thread closer = new Thread(() -> {
        while (!listener.isClosed()) {
          try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) listener.accept()) {
            s.startHandshake();
            s.getInputStream().read(); // the request's first byte: the handshake, the client's certificate taken
          } catch (java.io.IOException e) {
            // closed: the test ends
          }
        }
      });
      closer.setDaemon(true);
      closer.start();
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistrySettings.builder("https://127.0.0.1:"
          + listener.getLocalPort()).maxRetries(0)
          .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD))
          .keystore(new RegistrySettings.Store(clientKeys, "PKCS12", PASSWORD)).build());

      Throwable e = catchThrowable(() -> client.ping(Duration.ofSeconds(10)));

      assertThat(e).isInstanceOf(RegistryUnavailableException.class);
      assertThat(HttpSchemaRegistryClient.clientCertificateRefused(e.getCause())).as("%s", e).isNull();
    }
  }

  /**
   * A registry that asks for a client certificate optionally (want, not need: Confluent Schema Registry's
   * ssl.client.authentication=REQUESTED, Jetty's wantClientAuth), reached without a key store, asks in each full
   * handshake and gets none, and answers. A close after it restarted (a full handshake again: its session cache is
   * gone), or an answer too large on a first contact, is no refusal of the certificate: told as one, readiness said
   * "refusing the TLS handshake" and sent the operator to the key store of a monitor whose TLS works.
   */
  @Test
  void aRegistryThatOnlyWantsAClientCertificateIsNotToldAsRefusingItWhenItCloses() throws Exception {
    RegistrySettings.Store trust = new RegistrySettings.Store(clientTrust, "PKCS12", PASSWORD);
    int port;
    HttpSchemaRegistryClient client;
    try (javax.net.ssl.SSLServerSocket listener = wantingClientCertificates(0, "HTTP/1.1 200 OK\r\nContent-Length: 2"
        + "\r\nConnection: close\r\n\r\n{}", 0)) {
      port = listener.getLocalPort();
      client = new HttpSchemaRegistryClient(RegistrySettings.builder("https://127.0.0.1:" + port).maxRetries(0)
          .truststore(trust).build());
      client.ping(Duration.ofSeconds(10)); // answered with no certificate: it only wants one
    }
    Throwable closed;
    try (javax.net.ssl.SSLServerSocket restarted = wantingClientCertificates(port, "", 0)) { // closes, unanswered
      closed = catchThrowable(() -> client.ping(Duration.ofSeconds(10)));
    }
    Throwable large;
    try (javax.net.ssl.SSLServerSocket other = wantingClientCertificates(0, "HTTP/1.1 200 OK\r\nContent-Length: "
        + "20000000\r\n\r\n", HttpSchemaRegistryClient.MAX_ANSWER_BYTES + 1024)) {
      HttpSchemaRegistryClient first = new HttpSchemaRegistryClient(RegistrySettings.builder("https://127.0.0.1:"
          + other.getLocalPort()).maxRetries(0).truststore(trust).build());
      large = catchThrowable(() -> first.ping(Duration.ofSeconds(10)));
    }

    for (Throwable e : List.of(closed, large)) {
      assertThat(e).isInstanceOf(RegistryUnavailableException.class);
      assertThat(HttpSchemaRegistryClient.clientCertificateRefused(e.getCause())).as("%s", e).isNull();
      assertThat(dev.advmon.health.RegistryProbe.advice((Exception) e, 10_000, "registry.timeout-ms")).as("%s", e)
          .doesNotContain("client certificate");
    }
    assertThat(large).hasMessageContaining("larger than");
  }

  /**
   * An https listener on {@code port} (0: any) that wants, not needs, a client certificate, and to each request's
   * first byte writes {@code answer} and {@code zeros} zero bytes (none: it closes without answering).
   */
  private static javax.net.ssl.SSLServerSocket wantingClientCertificates(int port, String answer, int zeros)
      throws Exception {
    javax.net.ssl.SSLServerSocket listener = (javax.net.ssl.SSLServerSocket) serverContext(true)
        .getServerSocketFactory().createServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress());
    listener.setWantClientAuth(true);
    Thread server = new Thread(() -> {
      while (!listener.isClosed()) {
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) listener.accept()) {
          s.startHandshake();
          s.getInputStream().read(); // the request's first byte: the handshake done, and accepted without a certificate
          s.getOutputStream().write(answer.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          s.getOutputStream().write(new byte[zeros]);
        } catch (java.io.IOException e) {
          // closed: the test ends, or the client gave up on the answer
        }
      }
    });
    server.setDaemon(true);
    server.start();
    return listener;
  }

  /**
   * An https registry gets the client's own context (its key manager remembers requests for a certificate), but not
   * where the JVM's key store is set (javax.net.ssl.keyStore, in ADVMON_JAVA_OPTS): the JVM's default context sent that
   * store's certificate, and still does.
   */
  @Test
  void theJvmsOwnKeyStoreKeepsTheJvmsDefaultContext() {
    RegistrySettings https = RegistrySettings.builder("https://127.0.0.1:8443").build();
    assertThat(RegistryTls.context(https)).isPresent();
    assertThat(RegistryTls.context(RegistrySettings.builder("http://127.0.0.1:8081").build())).isEmpty();
    System.setProperty("javax.net.ssl.keyStore", dir.resolve("jvm.p12").toString());
    try {
      assertThat(RegistryTls.context(https)).isEmpty();
    } finally {
      System.clearProperty("javax.net.ssl.keyStore");
    }
  }

  @Test
  void aWrongStorePasswordIsAConfigurationError() {
    RegistrySettings settings = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", "wrong")).build();

    assertThatThrownBy(() -> new HttpSchemaRegistryClient(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(clientTrust.toString())
        .hasMessageContaining("password");
  }

  @Test
  void aWrongOrMissingPasswordNamesThePasswordSettingAndAPemFileSaysToImportIt() throws Exception {
    // TLS walk: "keystore password was incorrect" named only the location's setting, also when no password was set;
    // and a PEM CA (what Kafka's side takes, ca.crt) given here read as "toDerInputStream rejects tag type 45"
    RegistrySettings wrong = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", "wrong")).build();
    RegistrySettings none = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(clientTrust, "PKCS12", null)).build();
    Path pem = dir.resolve("ca.crt");
    Files.writeString(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    RegistrySettings pemFile = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(pem, "PKCS12", PASSWORD)).build();

    assertThatThrownBy(() -> new HttpSchemaRegistryClient(wrong))
        .hasMessageContaining("registry.ssl.truststore.password (ADVMON_REGISTRY_SSL_TRUSTSTORE_PASSWORD)");
    assertThatThrownBy(() -> new HttpSchemaRegistryClient(none))
        .hasMessageContaining("no password was given: set registry.ssl.truststore.password");
    assertThatThrownBy(() -> new HttpSchemaRegistryClient(pemFile))
        .hasMessageContaining("is a PEM file").hasMessageContaining("keytool -importcert");
  }

  /**
   * registry.ssl.truststore.location=~/certs/trust.p12 in a file is read literally (a folder named ~ under the
   * working folder): the error said "wrong path, type or password?" and Java's "No such file or directory". It says
   * that ~ is not expanded and the full path meant, as model.dir's error does; the value is still not expanded.
   */
  @Test
  void aMissingStoreWrittenWithATildeSaysTheTildeIsNotExpandedAndThePathMeant() {
    RegistrySettings tilde = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(Path.of("~/advmon-none/trust.p12"), "PKCS12", PASSWORD)).build();

    assertThatThrownBy(() -> new HttpSchemaRegistryClient(tilde)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("~/advmon-none/trust.p12")
        .hasMessageContaining("'~' is not expanded")
        .hasMessageContaining(Path.of(System.getProperty("user.home"), "advmon-none/trust.p12").toString());
  }

  /**
   * The key store's errors named the Kafka client's schema.registry.ssl.keystore.location alone, a key the monitor's
   * file does not have (its own registry.ssl.keystore.location came on 2026-12-07), and one opened without its
   * password failed at its key with "Get Key failed", naming no setting. Now both, as the trust store's errors do.
   */
  @Test
  void aMissingKeyStoreOrItsMissingPasswordNamesTheMonitorsKeyStoreSettings() {
    RegistrySettings missing = RegistrySettings.builder("https://127.0.0.1:1")
        .keystore(new RegistrySettings.Store(dir.resolve("no-such-client.p12"), "PKCS12", PASSWORD)).build();
    RegistrySettings none = RegistrySettings.builder("https://127.0.0.1:1")
        .keystore(new RegistrySettings.Store(clientKeys, "PKCS12", null)).build();

    assertThatThrownBy(() -> new HttpSchemaRegistryClient(missing)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-such-client.p12")
        .hasMessageContaining("the monitor's registry.ssl.keystore.location");
    assertThatThrownBy(() -> new HttpSchemaRegistryClient(none)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no password was given: set registry.ssl.keystore.password"
            + " (ADVMON_REGISTRY_SSL_KEYSTORE_PASSWORD)");
  }

  @Test
  void aPemFileOpensslWroteWithBagAttributesSaysToImportIt() throws Exception {
    // `openssl pkcs12 -nokeys` writes "Bag Attributes", friendlyName, subject and issuer lines before
    // -----BEGIN CERTIFICATE-----, past the first 64 bytes that were looked at: the keytool advice was missing
    Path openssl = Path.of("/usr/bin/openssl");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(openssl), "openssl not installed");
    Path pem = dir.resolve("bag-attributes.pem");
    Process p = new ProcessBuilder(openssl.toString(), "pkcs12", "-in", serverKeys.toString(), "-nokeys", "-passin",
        "pass:" + PASSWORD, "-out", pem.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl pkcs12: %s", output).isZero();
    assertThat(Files.readString(pem)).startsWith("Bag Attributes").contains("-----BEGIN CERTIFICATE-----");
    RegistrySettings settings = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(pem, "PKCS12", PASSWORD)).build();

    assertThatThrownBy(() -> new HttpSchemaRegistryClient(settings))
        .hasMessageContaining("is a PEM file").hasMessageContaining("keytool -importcert -file " + pem);
  }

  @Test
  void aTrustStoreWithoutACertificateIsRefusedAtStartNamingTheSetting() throws Exception {
    // What Java sees in a PKCS12 that openssl made with -nokeys (no Java trust attribute): no entry at all. Taken as
    // it is, every handshake failed and the monitor waited for a registry that it could never trust.
    Path empty = dir.resolve("empty-trust.p12");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (var out = Files.newOutputStream(empty)) {
      ks.store(out, PASSWORD.toCharArray());
    }
    RegistrySettings settings = RegistrySettings.builder("https://127.0.0.1:1")
        .truststore(new RegistrySettings.Store(empty, "PKCS12", PASSWORD)).build();

    assertThatThrownBy(() -> new HttpSchemaRegistryClient(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(empty.toString())
        .hasMessageContaining("no certificate")
        .hasMessageContaining(RegistrySettings.TRUSTSTORE_LOCATION);
  }

  private static RegistrySettings.Builder settings(FakeRegistryServer server) {
    return RegistrySettings.builder(server.url()).maxRetries(1)
        .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2));
  }

  private static SSLContext serverContext(boolean trustClient) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(load(serverKeys), PASSWORD.toCharArray());
    TrustManagerFactory tmf = null;
    if (trustClient) {
      tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(load(serverTrust));
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
    return context;
  }

  /**
   * A server whose handshakes present, in turn, a certificate this test's clients do not trust (the "client" pair's)
   * and the trusted "server" one, as a load balancer over a bad node and a good one; the first is the bad one.
   */
  private static SSLContext alternatingServerContext() throws Exception {
    X509ExtendedKeyManager bad = keyManager(clientKeys);
    X509ExtendedKeyManager good = keyManager(serverKeys);
    Map<SSLEngine, X509ExtendedKeyManager> chosen = Collections.synchronizedMap(new WeakHashMap<>());
    AtomicInteger handshakes = new AtomicInteger();
    X509ExtendedKeyManager alternating = new X509ExtendedKeyManager() {
      private X509ExtendedKeyManager of(String alias) {
        return "client".equals(alias) ? bad : good;
      }

      @Override
      public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        // one choice per handshake: TLS 1.3 may ask several times within one
        return chosen.computeIfAbsent(engine, e -> handshakes.getAndIncrement() % 2 == 0 ? bad : good)
            .chooseEngineServerAlias(keyType, issuers, engine);
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return of(alias).getCertificateChain(alias);
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return of(alias).getPrivateKey(alias);
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {alternating}, null, null);
    return context;
  }

  private static X509ExtendedKeyManager keyManager(Path keys) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(load(keys), PASSWORD.toCharArray());
    return (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
  }

  private static KeyStore load(Path path) throws Exception {
    return Keytool.load(path, PASSWORD);
  }

  /** A self-signed pair naming {@code san}, valid for 2 days; the one named {@code ca} may sign others. */
  private static Path keyPairNaming(String name, String san) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Keytool.run("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=" + name, "-ext", "SAN=" + san, "-ext", name.equals("ca") ? "bc:c=ca:true" : "bc=ca:false",
        "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
    return store;
  }

  private static SSLContext contextOf(Path keys) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keyManager(keys)}, null, null);
    return context;
  }

  private static Path trustStoreFor(String name, Path keys) throws Exception {
    Path cert = dir.resolve(name + ".cer");
    Path trust = dir.resolve("trusts-" + name + ".p12");
    Keytool.run("-exportcert", "-alias", name, "-keystore", keys.toString(), "-storepass", PASSWORD,
        "-file", cert.toString());
    Keytool.run("-importcert", "-noprompt", "-alias", name, "-file", cert.toString(),
        "-keystore", trust.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
    return trust;
  }
}
