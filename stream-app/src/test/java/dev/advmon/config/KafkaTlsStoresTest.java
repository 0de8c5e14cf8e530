package dev.advmon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka clients' trust and key stores are read before anything connects: a missing or unreadable one stopped
 * `run` with "error: Failed to create new KafkaAdminClient", naming no setting, and `config --check` called the file
 * valid (TLS walk against a SASL_SSL broker).
 */
class KafkaTlsStoresTest {

  @TempDir Path dir;

  private MonitorConfig config(String... lines) throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9093\nkafka.security.protocol=SASL_SSL\n"
        + String.join("\n", lines) + "\n");
    return MonitorConfig.load(file, Map.of(), Map.of(), dir).validated();
  }

  @Test
  void aMissingTrustStoreNamesTheSettingItsOriginAndTheFile() throws Exception {
    MonitorConfig c = config("kafka.ssl.truststore.type=PEM", "kafka.ssl.truststore.location=" + dir + "/ca.crt");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.location' = '" + dir + "/ca.crt' (from ")
        .hasMessageContaining("cannot be read as PEM")
        .hasMessageContaining("NoSuchFileException")
        .hasMessageContaining("kafka.ssl.truststore.type")
        .hasMessageContaining("Secret advmon-kafka");
  }

  @Test
  void aMissingStoreIsNamedWithoutKafkasErrorAndStackTraceBeforeIt() throws Exception {
    // Kafka's engine factory logs "ERROR DefaultSslEngineFactory - Modification time of key store could not be
    // obtained" with a whole NoSuchFileException stack trace before failing: printed above the one-line error of
    // `config --check` and `run` (TLS walk), it read as a crash
    MonitorConfig c = config("kafka.ssl.keystore.type=PKCS12", "kafka.ssl.keystore.location=" + dir + "/client.p12",
        "kafka.ssl.keystore.password=secret");

    try (dev.advmon.testing.LogLines kafka = dev.advmon.testing.LogLines.of("org.apache.kafka")) {
      assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("setting 'kafka.ssl.keystore.location' = '" + dir + "/client.p12' (from ")
          .hasMessageContaining("NoSuchFileException");
      assertThat(kafka.messages()).isEmpty();
    }
  }

  @Test
  void aWrongPasswordNamesThePasswordSetting() throws Exception {
    Path store = dir.resolve("trust.p12");
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (var out = Files.newOutputStream(store)) {
      ks.store(out, "right-one".toCharArray());
    }
    MonitorConfig c = config("kafka.ssl.truststore.type=PKCS12", "kafka.ssl.truststore.location=" + store,
        "kafka.ssl.truststore.password=wrong-one");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.ssl.truststore.location")
        .hasMessageContaining("kafka.ssl.truststore.password")
        .hasMessageNotContaining("wrong-one");
  }

  @Test
  void withMutualTlsAMissingTrustStoreIsNamedNotTheKeyStore() throws Exception {
    // Kafka says "Failed to load PEM SSL keystore <the truststore's path>" for a trust store too: with a key store
    // set (mutual TLS), the word "keystore" named kafka.ssl.keystore.location, whose file was fine
    Path keys = dir.resolve("client.p12");
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (var out = Files.newOutputStream(keys)) {
      ks.store(out, "secret".toCharArray());
    }
    MonitorConfig c = config("kafka.ssl.truststore.type=PEM", "kafka.ssl.truststore.location=" + dir + "/ca.crt",
        "kafka.ssl.keystore.type=PKCS12", "kafka.ssl.keystore.location=" + keys, "kafka.ssl.keystore.password=secret");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.location' = '" + dir + "/ca.crt'")
        .hasMessageContaining("cannot be read as PEM");
  }

  /** A config whose CA is given inline, as {@code ADVMON_KAFKA_SSL_TRUSTSTORE_CERTIFICATES} holds it from a Secret. */
  private MonitorConfig inlineCa(String pem) throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9093\nkafka.security.protocol=SSL\n"
        + "kafka.ssl.truststore.type=PEM\n");
    return MonitorConfig.load(file, Map.of("ADVMON_KAFKA_SSL_TRUSTSTORE_CERTIFICATES", pem), Map.of(), dir)
        .validated();
  }

  /** A real CA certificate in PEM, as keytool -exportcert -rfc writes it. */
  private String caPem() throws Exception {
    Path store = dev.advmon.testing.Keytool.keyPair(dir, "inline-ca", 30, "secret");
    Path pem = dir.resolve("inline-ca.crt");
    dev.advmon.testing.Keytool.run("-exportcert", "-rfc", "-alias", "inline-ca", "-keystore", store.toString(),
        "-storetype", "PKCS12", "-storepass", "secret", "-file", pem.toString());
    return Files.readString(pem);
  }

  @Test
  void anInlineCaThatIsNoPemNamesTheSettingAndWhatToPutThere() throws Exception {
    MonitorConfig c = inlineCa("ca.crt");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment "
            + "ADVMON_KAFKA_SSL_TRUSTSTORE_CERTIFICATES)")
        .hasMessageContaining("holds no -----BEGIN CERTIFICATE----- block")
        .hasMessageContaining("must hold the CA that signed the broker's certificate in PEM, whole");
  }

  @Test
  void aTruncatedInlineCaSaysItIsCutShort() throws Exception {
    String pem = caPem();
    MonitorConfig c = inlineCa(pem.substring(0, pem.indexOf("-----END")));

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("no -----END CERTIFICATE----- line");
  }

  @Test
  void anInlineCaCutInsideItsBodySaysItCannotBeRead() throws Exception {
    String pem = caPem();
    int end = pem.indexOf("-----END");
    MonitorConfig c = inlineCa(pem.substring(0, end / 2) + "\n" + pem.substring(end));

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("certificate 1 cannot be read");
  }

  @Test
  void aPrivateKeyGivenAsTheInlineCaIsNamedAndNotShown() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
    String body = java.util.Base64.getMimeEncoder(64, "\n".getBytes())
        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
    MonitorConfig c = inlineCa("-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("holds a PRIVATE KEY")
        .hasMessageNotContaining(body.substring(0, 20));
  }

  /** A certificate request pasted instead of the CA (both come out of the same openssl session): no word of keys. */
  @Test
  void aCertificateRequestGivenAsTheInlineCaIsNamedWithoutTheKeysAdvice() throws Exception {
    MonitorConfig c = inlineCa("-----BEGIN CERTIFICATE REQUEST-----\n"
        + "MIIBWTCB/wIBADAcMRowGAYDVQQDDBFhZHZtb24ta2Fma2Etc3Zj\n-----END CERTIFICATE REQUEST-----\n");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("holds a CERTIFICATE REQUEST, not a certificate")
        .hasMessageNotContaining("a key belongs");
  }

  @Test
  void aGoodInlineCaPasses() throws Exception {
    MonitorConfig c = inlineCa(caPem());

    assertThatCode(() -> KafkaTlsStores.check(c)).doesNotThrowAnyException();
  }

  /**
   * "none" or "false" meant to turn the host-name check off: Java knows no such algorithm and refuses every broker with
   * a bare CertificateException ("Unknown identification algorithm: none"), the class BrokerTls reads as the broker's
   * certificate naming another host, so the advice was to reissue a certificate that was right.
   */
  @Test
  void anEndpointIdentificationAlgorithmJavaDoesNotKnowIsNamedBeforeConnecting() throws Exception {
    MonitorConfig c = config("kafka.ssl.endpoint.identification.algorithm=none");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.endpoint.identification.algorithm' = 'none' (from ")
        .hasMessageContaining("https")
        .hasMessageContaining("empty");
  }

  @Test
  void theEndpointIdentificationAlgorithmsJavaKnowsPass() throws Exception {
    for (String algorithm : new String[] {"https", "HTTPS", ""}) {
      MonitorConfig c = config("kafka.ssl.endpoint.identification.algorithm=" + algorithm);

      assertThatCode(() -> KafkaTlsStores.check(c)).as(algorithm).doesNotThrowAnyException();
    }
  }

  @Test
  void noTlsOrNoStoreIsNothingToCheck() throws Exception {
    Path file = dir.resolve("plain.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9092\nkafka.ssl.truststore.location=/nowhere\n");
    MonitorConfig plaintext = MonitorConfig.load(file, Map.of(), Map.of(), dir).validated();

    assertThatCode(() -> KafkaTlsStores.check(plaintext)).doesNotThrowAnyException();
    assertThatCode(() -> KafkaTlsStores.check(config())).doesNotThrowAnyException();
  }
}
