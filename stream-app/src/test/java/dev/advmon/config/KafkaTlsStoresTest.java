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

  /**
   * kafka.ssl.truststore.location=~/certs/ca.crt in a file (or an ADVMON_ variable set by a Kubernetes env entry) is
   * read literally, as a folder named ~ under the working folder: the error said only NoSuchFileException. It says
   * that ~ is not expanded and the full path meant, as model.dir's error does; the value is still not expanded.
   */
  @Test
  void aMissingStoreWrittenWithATildeSaysTheTildeIsNotExpandedAndThePathMeant() throws Exception {
    MonitorConfig c = config("kafka.ssl.truststore.type=PEM", "kafka.ssl.truststore.location=~/advmon-none/ca.crt");

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("NoSuchFileException: ~/advmon-none/ca.crt")
        .hasMessageContaining("'~' is not expanded")
        .hasMessageContaining(Path.of(System.getProperty("user.home"), "advmon-none/ca.crt").toString());
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
    if (caPem == null) { // made once for the class, as the key pairs below
      caPem = newCaPem();
    }
    return caPem;
  }

  private static volatile String caPem;

  private String newCaPem() throws Exception {
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

  /**
   * A CA whose newlines were removed (an environment variable or a Secret's value written without them): Kafka 4.3.1
   * finds no block ("No matching CERTIFICATE entries in PEM file"), and the monitor named no setting.
   */
  @Test
  void anInlineCaWithItsNewlinesRemovedNamesTheSettingAndSaysSo() throws Exception {
    MonitorConfig c = inlineCa(caPem().replace("\r", "").replace("\n", ""));

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("no line break after its -----BEGIN CERTIFICATE----- line")
        .hasMessageNotContaining(body(caPem()).substring(0, 20));
  }

  /**
   * Kafka builds the key store before the trust store: a key store it refused (here a wrong password) left an inline CA
   * that Kafka reads whole judged by the monitor's own reading, which named kafka.ssl.truststore.certificates ("holds a
   * TRUSTED CERTIFICATE, not a certificate", "holds \n written out") and not the key store's setting.
   */
  @Test
  void aRefusedKeyStoreIsNamedNotAnInlineCaThatKafkaReadsWhole() throws Exception {
    Path keys = dir.resolve("client.p12");
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (var out = Files.newOutputStream(keys)) {
      ks.store(out, "right-one".toCharArray());
    }
    String trusted = caPem().replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE")
        .replace("END CERTIFICATE", "END TRUSTED CERTIFICATE");
    String commented = "# exported from C:\\new\\ca.pem\n" + caPem();
    for (String ca : new String[] {trusted, commented}) {
      Path file = dir.resolve("monitor.properties");
      Files.writeString(file, "kafka.bootstrap.servers=localhost:9093\nkafka.security.protocol=SSL\n"
          + "kafka.ssl.truststore.type=PEM\nkafka.ssl.keystore.type=PKCS12\nkafka.ssl.keystore.location=" + keys
          + "\nkafka.ssl.keystore.password=wrong-one\n");
      MonitorConfig c = MonitorConfig.load(file, Map.of("ADVMON_KAFKA_SSL_TRUSTSTORE_CERTIFICATES", ca), Map.of(), dir)
          .validated();

      assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("setting 'kafka.ssl.keystore.location'")
          .hasMessageContaining("kafka.ssl.keystore.password")
          .hasMessageNotContaining("kafka.ssl.truststore.certificates");
    }
  }

  /** Newlines written out as \n: the monitor said "certificate 1 cannot be read: part of it is missing or changed". */
  @Test
  void anInlineCaWithNewlinesWrittenAsBackslashNSaysSo() throws Exception {
    MonitorConfig c = inlineCa(caPem().replace("\r", "").replace("\n", "\\n"));

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("holds \\n written out")
        .hasMessageNotContaining("part of it is missing or changed");
  }

  /**
   * A \n in a line Kafka skips (a comment naming C:\new\ca.pem) is no newline written out: the CA cut short after
   * it was told "holds \n written out", not that it was cut short.
   */
  @Test
  void aBackslashNInACommentLineIsNotTakenForNewlinesWrittenOut() throws Exception {
    String cutShort = caPem().substring(0, caPem().indexOf("-----END"));
    MonitorConfig c = inlineCa("# exported from C:\\new\\ca.pem\n" + cutShort);

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("certificate 1 has no -----END CERTIFICATE----- line: the text was cut short")
        .hasMessageNotContaining("written out");
  }

  /**
   * Kafka reads a -----BEGIN TRUSTED CERTIFICATE----- block (openssl x509 -trustout) as a certificate: one cut short
   * was told "holds a TRUSTED CERTIFICATE, not a certificate", not that it was cut short.
   */
  @Test
  void aTrustedCertificateCutShortIsToldItIsCutShortNotThatItIsNoCertificate() throws Exception {
    String trusted = caPem().replace("BEGIN CERTIFICATE", "BEGIN TRUSTED CERTIFICATE")
        .replace("END CERTIFICATE", "END TRUSTED CERTIFICATE");
    MonitorConfig c = inlineCa(trusted.substring(0, trusted.indexOf("-----END")));

    assertThatThrownBy(() -> KafkaTlsStores.check(c)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("the text was cut short")
        .hasMessageNotContaining("not a certificate");
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

  /** A key pair's certificate (self-signed, by keytool) and private key, in the PEM that Kafka's inline store takes. */
  private record Pem(String certificate, java.security.PrivateKey key) {
    String keyPem() {
      return pem("PRIVATE KEY", key.getEncoded());
    }
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  /**
   * Key pairs by name and algorithm, made once for the class: each costs two keytool runs (two JVM starts), and the
   * class spent 35 of its 36 s making the same few pairs again for every case. A pair is never changed once made.
   */
  private static final Map<String, Pem> PAIRS = new java.util.concurrent.ConcurrentHashMap<>();

  private Pem keyPair(String name, String algorithm) throws Exception {
    Pem made = PAIRS.get(name + "/" + algorithm);
    if (made == null) {
      made = newKeyPair(name, algorithm);
      PAIRS.put(name + "/" + algorithm, made);
    }
    return made;
  }

  private Pem newKeyPair(String name, String algorithm) throws Exception {
    Path store = dir.resolve(name + ".p12");
    dev.advmon.testing.Keytool.run("-genkeypair", "-alias", name, "-keyalg", algorithm, "-dname", "CN=" + name,
        "-validity", "30", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "secret");
    Path crt = dir.resolve(name + ".crt");
    dev.advmon.testing.Keytool.run("-exportcert", "-rfc", "-alias", name, "-keystore", store.toString(),
        "-storetype", "PKCS12", "-storepass", "secret", "-file", crt.toString());
    java.security.KeyStore ks = dev.advmon.testing.Keytool.load(store, "secret");
    return new Pem(Files.readString(crt), (java.security.PrivateKey) ks.getKey(name, "secret".toCharArray()));
  }

  /** {@code key} encrypted with {@code password} as PBES1 (PBEWithSHA1AndDESede), which every Java reads. */
  private static String encrypted(java.security.PrivateKey key, String password) throws Exception {
    String algorithm = "PBEWithSHA1AndDESede";
    javax.crypto.spec.PBEParameterSpec spec = new javax.crypto.spec.PBEParameterSpec(new byte[8], 1000);
    javax.crypto.SecretKey secret = javax.crypto.SecretKeyFactory.getInstance(algorithm)
        .generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray()));
    javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance(algorithm);
    cipher.init(javax.crypto.Cipher.ENCRYPT_MODE, secret, spec);
    java.security.AlgorithmParameters parameters = java.security.AlgorithmParameters.getInstance(algorithm);
    parameters.init(spec);
    return pem("ENCRYPTED PRIVATE KEY", new javax.crypto.EncryptedPrivateKeyInfo(parameters,
        cipher.doFinal(key.getEncoded())).getEncoded());
  }

  /**
   * A config whose client certificate and key are given inline, as {@code ADVMON_KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN}
   * and {@code ADVMON_KAFKA_SSL_KEYSTORE_KEY} hold them from a Secret; {@code keyPassword} null for none.
   */
  private MonitorConfig inlineKeys(String chain, String key, String keyPassword) throws Exception {
    Path file = dir.resolve("monitor.properties");
    Files.writeString(file, "kafka.bootstrap.servers=localhost:9093\nkafka.security.protocol=SSL\n"
        + "kafka.ssl.keystore.type=PEM\n");
    Map<String, String> env = new java.util.HashMap<>(Map.of("ADVMON_KAFKA_SSL_KEYSTORE_CERTIFICATE_CHAIN", chain,
        "ADVMON_KAFKA_SSL_KEYSTORE_KEY", key));
    if (keyPassword != null) {
      env.put("ADVMON_KAFKA_SSL_KEY_PASSWORD", keyPassword);
    }
    return MonitorConfig.load(file, env, Map.of(), dir).validated();
  }

  /** The body of a PEM text, for checking that a message does not show it. */
  private static String body(String pem) {
    return pem.lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
  }

  @Test
  void aGoodInlineKeyStorePassesPlainOrEncrypted() throws Exception {
    Pem client = keyPair("client", "EC");

    assertThatCode(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), client.keyPem(), null)))
        .doesNotThrowAnyException();
    assertThatCode(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), encrypted(client.key(), "kpass"),
        "kpass"))).doesNotThrowAnyException();
  }

  /**
   * Kafka reads any -----BEGIN ...CERTIFICATE----- block (its pattern is "BEGIN\\s*.*CERTIFICATE"), and a key with a
   * second space in its label: a pair that Kafka takes must start, whatever this check's own reading of the text.
   */
  @Test
  void anInlinePairThatKafkaReadsUnderOtherPemLabelsIsNotRefused() throws Exception {
    Pem client = keyPair("client", "EC");

    for (String label : new String[] {"X509 CERTIFICATE", "TRUSTED CERTIFICATE"}) {
      String chain = client.certificate().replace("BEGIN CERTIFICATE", "BEGIN " + label)
          .replace("END CERTIFICATE", "END " + label);
      assertThatCode(() -> KafkaTlsStores.check(inlineKeys(chain, client.keyPem(), null)))
          .as(label).doesNotThrowAnyException();
    }
    String key = client.keyPem().replace("BEGIN PRIVATE KEY", "BEGIN  PRIVATE KEY");
    assertThatCode(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), key, null)))
        .doesNotThrowAnyException();
  }

  /**
   * A chain on one line (as a properties file's continued lines give it): Kafka 4.3.1 reads its last certificate only,
   * takes the pair, and the broker refuses the handshake; "a chain for another key" would send the operator to reissue
   * a certificate that is right.
   */
  @Test
  void aChainOnOneLineIsToldThatKafkaReadOnlyPartOfIt() throws Exception {
    Pem client = keyPair("client", "EC");
    Pem ca = keyPair("ca", "EC");
    String oneLine = (client.certificate() + ca.certificate()).replace("\r", "").replace("\n", " ").strip();

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(oneLine, client.keyPem(), null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.certificate.chain' (from environment ")
        .hasMessageContaining("holds 2 certificates, but Kafka read only 1 of them")
        .hasMessageContaining("must be a line of its own")
        .hasMessageNotContaining(body(client.certificate()));
  }

  /**
   * Several CAs in {@code ADVMON_KAFKA_SSL_TRUSTSTORE_CERTIFICATES} on one line (an environment variable or a Secret
   * written without its newlines): Kafka 4.3.1 reads the last block only, starts, and refuses every broker whose
   * certificate another of the CAs signed, as a certificate it does not trust.
   */
  @Test
  void aCaBundleOnOneLineIsToldHowManyOfItsCertificatesKafkaWouldTrust() throws Exception {
    Pem first = keyPair("client", "EC");
    Pem second = keyPair("ca", "EC");
    String oneLine = (first.certificate() + second.certificate() + caPem()).replace("\r", "").replace("\n", " ")
        .strip();

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineCa(oneLine))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment "
            + "ADVMON_KAFKA_SSL_TRUSTSTORE_CERTIFICATES)")
        .hasMessageContaining("holds 3 certificates, but Kafka read only 1 of them and would trust only that CA"
            + " (CN=inline-ca)")
        .hasMessageContaining("must be a line of its own")
        .hasMessageContaining("kafka.ssl.truststore.location")
        .hasMessageNotContaining(body(first.certificate())).hasMessageNotContaining(body(caPem()));
  }

  /** One block's END line and the next one's BEGIN line joined: Kafka reads the first, and loses the second. */
  @Test
  void aCaBundleWithTwoBlocksSharingALineIsToldWhichCaKafkaWouldTrust() throws Exception {
    Pem first = keyPair("client", "EC");
    Pem second = keyPair("ca", "EC");
    String joined = (first.certificate().strip() + " " + second.certificate());

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineCa(joined))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("holds 2 certificates, but Kafka read only 1 of them and would trust only that CA"
            + " (CN=client)");
  }

  /**
   * Shapes of a bundle that Kafka 4.3.1's engine factory reads whole: the check that refuses a bundle Kafka reads in
   * part must pass each of them.
   */
  @Test
  void aCaBundleKafkaReadsWholePassesInEachShape() throws Exception {
    String bundle = keyPair("client", "EC").certificate() + keyPair("ca", "EC").certificate() + caPem();
    Map<String, String> shapes = new java.util.LinkedHashMap<>();
    shapes.put("CRLF line ends", bundle.replace("\n", "\r\n"));
    shapes.put("TRUSTED CERTIFICATE labels", bundle.replace("N CERTIFICATE", "N TRUSTED CERTIFICATE")
        .replace("D CERTIFICATE", "D TRUSTED CERTIFICATE"));
    shapes.put("X509 CERTIFICATE labels", bundle.replace("N CERTIFICATE", "N X509 CERTIFICATE")
        .replace("D CERTIFICATE", "D X509 CERTIFICATE"));
    shapes.put("text around the blocks", "Bag Attributes: <No Attributes>\nsubject=CN = client\n"
        + bundle.replace("-----END CERTIFICATE-----\n", "-----END CERTIFICATE-----\nissuer=CN = x\n") + "end\n");
    shapes.put("trailing spaces", bundle.replace("\n", "  \n"));
    shapes.put("no final newline", bundle.strip());
    shapes.put("extra dashes", bundle.replace("-----", "------"));
    shapes.put("each CA whole on a line of its own", bundle.replace("\n", " ").replace("----- -----", "-----\n-----"));
    for (Map.Entry<String, String> shape : shapes.entrySet()) {
      assertThat(kafkaTrusts(shape.getValue())).as(shape.getKey()).isEqualTo(3);
      assertThatCode(() -> KafkaTlsStores.check(inlineCa(shape.getValue()))).as(shape.getKey())
          .doesNotThrowAnyException();
    }
  }

  /** How many certificates Kafka's own engine factory puts in its trust store from {@code pem}. */
  private static int kafkaTrusts(String pem) throws Exception {
    var engines = new org.apache.kafka.common.security.ssl.DefaultSslEngineFactory();
    engines.configure(new org.apache.kafka.clients.admin.AdminClientConfig(Map.of("bootstrap.servers", "localhost:1",
        "security.protocol", "SSL", "ssl.truststore.type", "PEM", "ssl.truststore.certificates", pem)).values());
    return engines.truststore().size();
  }

  /** A bundle whose first CA lost its END line: Kafka reads the second only, and the lines are not the cause. */
  @Test
  void aCaBundleWithABlockMissingItsEndLineSaysWhichAndNotThatLinesWereJoined() throws Exception {
    Pem first = keyPair("client", "EC");
    String unended = first.certificate().substring(0, first.certificate().indexOf("-----END")) + caPem();

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineCa(unended))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.truststore.certificates' (from environment ")
        .hasMessageContaining("holds 2 certificates, but Kafka read only 1 of them and would trust only that CA"
            + " (CN=inline-ca)")
        .hasMessageContaining("certificate 1 has no -----END CERTIFICATE----- line")
        .hasMessageNotContaining("must be a line of its own");
  }

  @Test
  void aCaBundleWithEachBlockOnItsOwnLinesPasses() throws Exception {
    Pem first = keyPair("client", "EC");
    Pem second = keyPair("ca", "EC");

    assertThatCode(() -> KafkaTlsStores.check(inlineCa(first.certificate() + second.certificate() + caPem())))
        .doesNotThrowAnyException();
  }

  /** The certificate pasted twice, in the key's place too: Kafka said "No matching PRIVATE KEY entries in PEM file". */
  @Test
  void aCertificateGivenAsTheInlineKeyIsNamedWithWhereItBelongs() throws Exception {
    Pem client = keyPair("client", "EC");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), client.certificate(), null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.key' (from environment ADVMON_KAFKA_SSL_KEYSTORE_KEY)")
        .hasMessageContaining("holds a CERTIFICATE, not a private key (a certificate belongs in"
            + " kafka.ssl.keystore.certificate.chain)")
        .hasMessageContaining("-----BEGIN PRIVATE KEY-----")
        .hasMessageNotContaining(body(client.certificate()));
  }

  @Test
  void aKeyGivenAsTheInlineChainIsNamedAndNotShown() throws Exception {
    Pem client = keyPair("client", "EC");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.keyPem(), client.keyPem(), null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.certificate.chain' (from environment ")
        .hasMessageContaining("holds a PRIVATE KEY, not a certificate (the key belongs in kafka.ssl.keystore.key)")
        .hasMessageNotContaining(body(client.keyPem()));
  }

  /** Kafka's words were "DerValue.getBigIntegerInternal, not expected 48". */
  @Test
  void anEncryptedInlineKeyWithoutAKeyPasswordNamesTheKeyPasswordSetting() throws Exception {
    Pem client = keyPair("client", "RSA");
    String key = encrypted(client.key(), "kpass");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), key, null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.key' (from environment ")
        .hasMessageContaining("holds an encrypted key (-----BEGIN ENCRYPTED PRIVATE KEY-----), but"
            + " kafka.ssl.key.password is not set")
        .hasMessageNotContaining(body(key));
  }

  /** Kafka's words were "Given final block not properly padded", naming no setting. */
  @Test
  void aKeyPasswordThatDoesNotDecryptTheInlineKeyIsNamedAndNotShown() throws Exception {
    Pem client = keyPair("client", "RSA");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), encrypted(client.key(), "kpass"),
        "not-the-kpass"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.key.password' (from environment ADVMON_KAFKA_SSL_KEY_PASSWORD)")
        .hasMessageContaining("does not decrypt kafka.ssl.keystore.key")
        .hasMessageNotContaining("not-the-kpass");
  }

  /** Kafka's words were "overrun, bytes = 1196": it decrypts a key that is not encrypted. */
  @Test
  void aKeyPasswordForAPlainInlineKeyIsNamed() throws Exception {
    Pem client = keyPair("client", "EC");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), client.keyPem(), "kpass")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.key.password' (from environment ")
        .hasMessageContaining("but kafka.ssl.keystore.key is not encrypted")
        .hasMessageNotContaining("kpass'");
  }

  /**
   * An RSA key as OpenSSL 1.x's genrsa writes it (PKCS#1, -----BEGIN RSA PRIVATE KEY-----): Kafka reads PKCS#8 only,
   * and said "algid parse error, not a sequence".
   */
  @Test
  void aPkcs1InlineKeySaysKafkaReadsPkcs8AndHowToConvertIt() throws Exception {
    Pem client = keyPair("client", "RSA");
    byte[] pkcs8 = client.key().getEncoded();
    // PKCS#8 of an RSA key: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING { the PKCS#1 key } }, a 26-byte
    // head for keytool's 2048-bit keys (an OCTET STRING tag 04 82 at byte 22)
    assertThat(pkcs8[22]).isEqualTo((byte) 0x04);
    String key = pem("RSA PRIVATE KEY", java.util.Arrays.copyOfRange(pkcs8, 26, pkcs8.length));

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), key, null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.key' (from environment ")
        .hasMessageContaining("holds an RSA PRIVATE KEY (PKCS#1 or SEC 1), which Kafka cannot read")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt")
        .hasMessageNotContaining(body(key));
  }

  @Test
  void aTruncatedInlineKeySaysItIsCutShort() throws Exception {
    Pem client = keyPair("client", "EC");
    String key = client.keyPem();

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(client.certificate(), key.substring(0,
        key.indexOf("-----END")), null))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.key' (from environment ")
        .hasMessageContaining("has no -----END PRIVATE KEY----- line: the text was cut short");
  }

  /**
   * Another pair's certificate with the key: Kafka takes both, and a broker that wants a client certificate ends the
   * handshake with "Received fatal alert: handshake_failure" (Kafka 4.3.1, by hand). Now the chain is named before
   * connecting, with the subject and algorithms, neither value shown.
   */
  @Test
  void aChainForAnotherKeyIsNamedBeforeConnecting() throws Exception {
    Pem client = keyPair("client", "EC");
    Pem other = keyPair("other", "RSA");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(other.certificate(), client.keyPem(), null)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.certificate.chain' (from environment ")
        .hasMessageContaining("does not belong to kafka.ssl.keystore.key: the public key of its first certificate"
            + " (CN=other, RSA) is not that of kafka.ssl.keystore.key (EC)")
        .hasMessageNotContaining(body(client.keyPem())).hasMessageNotContaining(body(other.certificate()));
  }

  /** The CA first, then the client's certificate: Kafka said "KeyStoreException: Certificate chain is not valid". */
  @Test
  void aChainInTheWrongOrderSaysWhichComesFirst() throws Exception {
    Pem client = keyPair("client", "EC");
    Pem ca = keyPair("ca", "EC");

    assertThatThrownBy(() -> KafkaTlsStores.check(inlineKeys(ca.certificate() + client.certificate(),
        client.keyPem(), null))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("setting 'kafka.ssl.keystore.certificate.chain' (from environment ")
        .hasMessageContaining("does not read as one chain: each certificate must be signed by the next, the monitor's"
            + " client certificate first");
  }

  /** OpenSSL 3's default encryption, which Java 17's EncryptedPrivateKeyInfo cannot undo (Java 25 can). */
  @Test
  void aPbes2KeyThisJavaCannotDecryptSaysHowToEncryptItInstead() {
    Exception kafka = new org.apache.kafka.common.errors.InvalidConfigurationException("Invalid PEM keystore configs",
        new java.security.NoSuchAlgorithmException("PBES2 SecretKeyFactory not available"));

    assertThat(KafkaTlsStores.inlineKeyReadProblem(kafka)).satisfies(p -> {
      assertThat(p.setting()).isEqualTo("ssl.keystore.key");
      assertThat(p.words()).contains("is encrypted with PBES2").contains("openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES");
    });
  }
}
