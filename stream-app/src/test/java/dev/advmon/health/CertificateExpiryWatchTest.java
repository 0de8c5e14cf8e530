package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.advmon.metrics.MonitorMetrics;
import dev.advmon.testing.Keytool;
import dev.advmon.testing.LogLines;
import dev.advmon.testing.TlsServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real TLS server socket (the JDK's) presenting throw-away certificates made by keytool: one that expires in 3 days,
 * one in 60. The watch must warn about the first only, and export each one's NotAfter.
 */
class CertificateExpiryWatchTest {

  private static final String PASSWORD = "changeit";

  /**
   * The watch's time for each connection and handshake: every server here answers, or refuses at once, so this is
   * room for a loaded machine (a TLS handshake on a cold JVM), never a timeout a test waits to run out.
   */
  private static final Duration LOOK = Duration.ofSeconds(60);

  @TempDir static Path dir;

  private static Path soonKeys;
  private static Path laterKeys;
  private static KeyStore soonTrust;
  private static KeyStore laterTrust;

  @BeforeAll
  static void makeCertificates() throws Exception {
    soonKeys = Keytool.keyPair(dir, "soon", 3, PASSWORD);
    laterKeys = Keytool.keyPair(dir, "later", 60, PASSWORD);
    soonTrust = trustOnly(soonKeys, "soon");
    laterTrust = trustOnly(laterKeys, "later");
  }

  @Test
  void warnsOfACertificateThatExpiresWithinTwoWeeksAndExportsItsNotAfter() throws Exception {
    try (TlsServer server = new TlsServer(soonKeys, PASSWORD); MonitorMetrics metrics = MonitorMetrics.prometheus();
        LogLines lines = LogLines.of(CertificateExpiryWatch.class)) {
      CertificateExpiryWatch.Endpoint broker = endpoint(server, soonTrust);
      CertificateExpiryWatch watch = new CertificateExpiryWatch(List.of(broker), LOOK,
          Clock.systemUTC());
      metrics.certificateExpiry(broker.address(), () -> watch.expirySeconds(broker.address()));

      watch.lookAll();

      long notAfter = certificate(soonKeys, "soon").getNotAfter().toInstant().getEpochSecond();
      assertThat(watch.expirySeconds(broker.address())).isEqualTo(notAfter);
      java.util.regex.Matcher sample = java.util.regex.Pattern.compile("(?m)^advmon_tls_certificate_expiry_timestamp_seconds"
          + "\\{address=\"" + java.util.regex.Pattern.quote(broker.address()) + "\"} (\\S+)$").matcher(metrics.scrape());
      assertThat(sample.find()).as("the gauge's sample in %s", metrics.scrape()).isTrue();
      assertThat(Double.parseDouble(sample.group(1))).isEqualTo(notAfter);
      assertThat(lines.events()).singleElement().satisfies(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.WARN);
        assertThat(e.getFormattedMessage()).contains("CN=soon", broker.address(), "expires in 2 day(s)",
            "NotAfter " + java.time.Instant.ofEpochSecond(notAfter), "Kafka broker (kafka.bootstrap.servers)",
            "renew it on the broker (", ") before then");
      });
    }
  }

  @Test
  void anExpiredCertificateIsWarnedAsExpired() throws Exception {
    Path expired = dir.resolve("expired.p12");
    Keytool.run("-genkeypair", "-alias", "expired", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=expired",
        "-startdate", "-10d", "-validity", "3", "-keystore", expired.toString(), "-storetype", "PKCS12", "-storepass",
        PASSWORD);
    try (TlsServer server = new TlsServer(expired, PASSWORD); LogLines lines = LogLines.of(CertificateExpiryWatch.class)) {
      CertificateExpiryWatch.Endpoint broker = endpoint(server, trustOnly(expired, "expired"));

      new CertificateExpiryWatch(List.of(broker), LOOK, Clock.systemUTC()).lookAll();

      assertThat(lines.events()).singleElement().satisfies(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.WARN);
        assertThat(e.getFormattedMessage()).contains("CN=expired", "has expired", "renew it on the broker (", ") now");
      });
    }
  }

  @Test
  void aCertificateMonthsAwayIsExportedWithoutAWarning() throws Exception {
    try (TlsServer server = new TlsServer(laterKeys, PASSWORD); LogLines lines = LogLines.of(CertificateExpiryWatch.class)) {
      CertificateExpiryWatch.Endpoint registry = endpoint(server, laterTrust);
      CertificateExpiryWatch watch = new CertificateExpiryWatch(List.of(registry), LOOK,
          Clock.systemUTC());

      watch.lookAll();

      assertThat(watch.expirySeconds(registry.address()))
          .isEqualTo(certificate(laterKeys, "later").getNotAfter().toInstant().getEpochSecond());
      assertThat(lines.events()).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
    }
  }

  @Test
  void anUntrustedChainIsStillReadAndItsExpiryWarned() throws Exception {
    // the monitor's trust store holds another certificate: the handshake fails, the dates are read all the same
    try (TlsServer server = new TlsServer(soonKeys, PASSWORD); LogLines lines = LogLines.of(CertificateExpiryWatch.class)) {
      CertificateExpiryWatch.Endpoint broker = endpoint(server, laterTrust);
      CertificateExpiryWatch watch = new CertificateExpiryWatch(List.of(broker), LOOK,
          Clock.systemUTC());

      watch.lookAll();

      assertThat(watch.expirySeconds(broker.address()))
          .isEqualTo(certificate(soonKeys, "soon").getNotAfter().toInstant().getEpochSecond());
      assertThat(lines.messages()).singleElement().asString().contains("CN=soon", "expires in");
    }
  }

  @Test
  void anEndpointThatCannotBeReadIsAnInfoLineAndNaN() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    CertificateExpiryWatch.Endpoint gone = new CertificateExpiryWatch.Endpoint("127.0.0.1", closedPort,
        "schema registry (registry.url)", laterTrust, CertificateEndpoints.REGISTRY_RENEWAL);
    try (LogLines lines = LogLines.of(CertificateExpiryWatch.class)) {
      new CertificateExpiryWatch(List.of(gone), LOOK, Clock.systemUTC()).lookAll();

      assertThat(lines.events()).singleElement().satisfies(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.INFO);
        assertThat(e.getFormattedMessage()).contains("could not read the TLS certificate", "127.0.0.1:" + closedPort,
            "schema registry (registry.url)");
      });
    }
    assertThat(new CertificateExpiryWatch(List.of(gone), LOOK, Clock.systemUTC())
        .expirySeconds(gone.address())).isNaN();
  }

  @Test
  void brokersAreTheBootstrapAddressesOnlyWhenTheClientsSpeakTls() throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", "b1.example:9093, b2.example:9094");
    assertThat(CertificateEndpoints.brokers(props)).isEmpty(); // PLAINTEXT: nothing to watch
    props.put("security.protocol", "SASL_SSL");
    assertThat(CertificateEndpoints.brokers(props)).extracting(CertificateExpiryWatch.Endpoint::address)
        .containsExactly("b1.example:9093", "b2.example:9094");
  }

  /**
   * A broker with ssl.client.auth=required: the look sent no client certificate, so every hourly look was a failed
   * authentication on the broker (an INFO line there and its failed-authentication metric, which operators alert on).
   * It now presents the monitor's kafka.ssl.keystore.* as the Kafka clients do.
   */
  @Test
  void aMutualTlsBrokerIsShownTheMonitorsClientCertificate() throws Exception {
    try (TlsServer broker = new TlsServer(soonKeys, PASSWORD, laterTrust)) {
      Map<String, Object> props = new HashMap<>();
      props.put("bootstrap.servers", "127.0.0.1:" + broker.port());
      props.put("security.protocol", "SSL");
      Path trust = dir.resolve("mtls-trust.p12");
      try (var out = Files.newOutputStream(trust)) {
        soonTrust.store(out, PASSWORD.toCharArray());
      }
      props.put("ssl.truststore.location", trust.toString());
      props.put("ssl.truststore.password", PASSWORD);
      props.put("ssl.keystore.location", laterKeys.toString());
      props.put("ssl.keystore.password", PASSWORD);
      CertificateExpiryWatch watch = new CertificateExpiryWatch(CertificateEndpoints.brokers(props),
          LOOK, Clock.systemUTC());

      watch.lookAll();

      assertThat(dev.advmon.testing.Await.until(() -> !broker.clients.isEmpty(), Duration.ofMinutes(2)))
          .as("the broker saw the monitor's client certificate").isTrue();
      assertThat(broker.clients).containsExactly("CN=later");
      assertThat(watch.expirySeconds("127.0.0.1:" + broker.port()))
          .isEqualTo(certificate(soonKeys, "soon").getNotAfter().toInstant().getEpochSecond());
    }
  }

  /**
   * An IPv6 registry URL: URI.getHost() keeps the brackets ("[::1]"), which address() bracketed again, so the gauge's
   * label read "[[::1]]:8443", unlike a broker's "[::1]:9093" from kafka.bootstrap.servers.
   */
  @Test
  void anIpv6RegistryIsLabelledAsABrokerIsWithOnePairOfBrackets() throws Exception {
    dev.advmon.registry.RegistrySettings registry = dev.advmon.registry.RegistrySettings
        .builder("https://[::1]:8443,http://[::1]:8081").build();
    assertThat(CertificateEndpoints.registries(registry)).extracting(CertificateExpiryWatch.Endpoint::address)
        .containsExactly("[::1]:8443");
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", "[::1]:9093");
    props.put("security.protocol", "SSL");
    assertThat(CertificateEndpoints.brokers(props)).extracting(CertificateExpiryWatch.Endpoint::address)
        .containsExactly("[::1]:9093");
  }

  /**
   * As `run` wires it: from the configuration, the broker's CA as a PEM file (as k8s/base gives it) and the registry's
   * as a PKCS12 trust store; the gauge of each endpoint gets its NotAfter from the first look, made at start.
   */
  @Test
  void theMonitorsConfigurationWatchesTheBrokerAndTheHttpsRegistryWithTheirOwnTrust() throws Exception {
    Path brokerCa = dir.resolve("broker-ca.pem");
    Keytool.run("-exportcert", "-rfc", "-alias", "soon", "-keystore", soonKeys.toString(), "-storepass", PASSWORD,
        "-file", brokerCa.toString());
    Path registryTrust = dir.resolve("registry-trust.p12");
    try (var out = Files.newOutputStream(registryTrust)) {
      laterTrust.store(out, PASSWORD.toCharArray());
    }
    try (TlsServer broker = new TlsServer(soonKeys, PASSWORD); TlsServer registry = new TlsServer(laterKeys, PASSWORD);
        MonitorMetrics metrics = MonitorMetrics.prometheus()) {
      Path file = dir.resolve("monitor.properties");
      Files.writeString(file, String.join("\n",
          "kafka.bootstrap.servers=127.0.0.1:" + broker.port(),
          "kafka.security.protocol=SSL",
          "kafka.ssl.truststore.type=PEM",
          "kafka.ssl.truststore.location=" + brokerCa,
          "registry.url=https://127.0.0.1:" + registry.port(),
          "registry.ssl.truststore.location=" + registryTrust,
          "registry.ssl.truststore.password=" + PASSWORD, ""));
      dev.advmon.config.MonitorConfig c = dev.advmon.config.MonitorConfig.load(file, Map.of(), Map.of(), dir)
          .validated();
      String brokerAddress = "127.0.0.1:" + broker.port();
      String registryAddress = "127.0.0.1:" + registry.port();

      try (CertificateExpiryWatch watch = CertificateEndpoints.watch(c, dev.advmon.cli.Wiring.registrySettings(c),
          metrics)) {
        assertThat(watch.endpoints()).extracting(CertificateExpiryWatch.Endpoint::address)
            .containsExactly(brokerAddress, registryAddress);
        assertThat(dev.advmon.testing.Await.until(() -> !Double.isNaN(watch.expirySeconds(brokerAddress))
            && !Double.isNaN(watch.expirySeconds(registryAddress)), Duration.ofSeconds(30)))
            .as("both endpoints looked at").isTrue();
        assertThat(watch.expirySeconds(brokerAddress))
            .isEqualTo(certificate(soonKeys, "soon").getNotAfter().toInstant().getEpochSecond());
        assertThat(watch.expirySeconds(registryAddress))
            .isEqualTo(certificate(laterKeys, "later").getNotAfter().toInstant().getEpochSecond());
        assertThat(metrics.scrape()).contains("address=\"" + brokerAddress + "\"", "address=\"" + registryAddress
            + "\"");
      }
    }
  }

  private static CertificateExpiryWatch.Endpoint endpoint(TlsServer server, KeyStore trust) {
    return new CertificateExpiryWatch.Endpoint("127.0.0.1", server.port(), "Kafka broker (kafka.bootstrap.servers)",
        trust, CertificateEndpoints.BROKER_RENEWAL);
  }

  private static KeyStore load(Path path) throws Exception {
    return Keytool.load(path, PASSWORD);
  }

  private static X509Certificate certificate(Path keys, String alias) throws Exception {
    return (X509Certificate) load(keys).getCertificate(alias);
  }

  /** A trust store holding only {@code alias}'s certificate, as an operator's CA file would. */
  private static KeyStore trustOnly(Path keys, String alias) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(alias, certificate(keys, alias));
    return trust;
  }
}
