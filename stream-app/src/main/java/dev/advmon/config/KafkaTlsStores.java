package dev.advmon.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * Reads the Kafka clients' TLS trust and key stores ({@code kafka.ssl.*}) as the clients will, before anything
 * connects. The clients read them only when the first one is built, and then fail with "Failed to create new
 * KafkaAdminClient", naming neither the file nor the setting; `config --check` never built one and called such a file
 * valid.
 */
public final class KafkaTlsStores {

  private static final Set<String> TLS_PROTOCOLS = Set.of("SSL", "SASL_SSL");

  private KafkaTlsStores() {}

  /** Whether the Kafka clients' {@code props} connect with TLS (security.protocol SSL or SASL_SSL). */
  public static boolean speaksTls(Map<String, Object> props) {
    Object protocol = props.get("security.protocol");
    return protocol != null && TLS_PROTOCOLS.contains(protocol.toString().trim().toUpperCase(java.util.Locale.ROOT));
  }

  /** Throws a {@link ConfigException} naming the store's setting, its origin and what to check; nothing without TLS. */
  public static void check(MonitorConfig c) {
    Map<String, Object> props = c.kafkaClientProperties();
    if (!speaksTls(props)) {
      return;
    }
    Object algorithm = props.get(ENDPOINT_IDENTIFICATION);
    if (algorithm != null && !algorithm.toString().isBlank()
        && !JAVA_IDENTIFICATIONS.contains(algorithm.toString().trim().toUpperCase(java.util.Locale.ROOT))) {
      // Java refuses every broker then, with a bare CertificateException, the class of another host's certificate:
      // the handshake's advice would be to reissue a certificate that is right
      throw c.invalid("kafka." + ENDPOINT_IDENTIFICATION, "Java knows https (the default: the broker's certificate"
          + " must name the host in kafka.bootstrap.servers), ldap and ldaps, and checks no host name when it is empty"
          + " (kafka.ssl.endpoint.identification.algorithm=, which lets anyone in the middle in); with any other word"
          + " (none, false) it refuses every broker");
    }
    Map<String, ?> parsed;
    try {
      parsed = new AdminClientConfig(props).values();
    } catch (RuntimeException e) {
      return; // a value Kafka cannot parse: MonitorConfig and the clients name it themselves
    }
    for (String store : new String[] {"truststore", "keystore"}) {
      // Kafka's engine factory logs a missing file at ERROR with a whole stack trace before it fails: above the
      // one-line error below, that read as a crash
      Object location = props.get("ssl." + store + ".location");
      if (location != null && !Files.exists(Path.of(location.toString()))) {
        throw unreadable(c, parsed, store, "NoSuchFileException: " + location);
      }
    }
    try {
      new DefaultSslEngineFactory().configure(parsed); // it holds no open resource once configured
    } catch (KafkaException | IllegalArgumentException e) {
      String store = failedStoreIsTheKeyStore(String.valueOf(e.getMessage()), props) ? "keystore" : "truststore";
      Object inline = props.get(INLINE_CA);
      String problem = inline == null || props.containsKey("ssl.truststore.location") ? null : inlineCaProblem(inline);
      if (problem != null) {
        // Kafka's words ("No matching CERTIFICATE entries in PEM file") name neither the setting nor what it should
        // hold; the value is a secret setting's (Kafka types it a password), so it is not shown
        throw c.invalid("kafka." + INLINE_CA, problem + ": it must hold the CA that signed the broker's certificate in"
            + " PEM, whole, from its -----BEGIN CERTIFICATE----- line to its -----END CERTIFICATE----- line (on"
            + " Kubernetes ca.crt of the Secret advmon-kafka), with kafka.ssl.truststore.type=PEM; or give the file in"
            + " kafka.ssl.truststore.location instead (Kafka: " + causes(e) + ")");
      }
      if (!props.containsKey("ssl." + store + ".location")) {
        throw new ConfigException("the Kafka clients' TLS settings (kafka.ssl.*) cannot be used: " + causes(e), e);
      }
      throw unreadable(c, parsed, store, causes(e));
    }
  }

  private static final String ENDPOINT_IDENTIFICATION = "ssl.endpoint.identification.algorithm";

  /** The host-name checks Java's trust manager knows (X509TrustManagerImpl.checkIdentity), in upper case. */
  private static final Set<String> JAVA_IDENTIFICATIONS = Set.of("HTTPS", "LDAP", "LDAPS");

  /** The Kafka clients' key for a trust store given inline, as PEM text rather than a file. */
  private static final String INLINE_CA = "ssl.truststore.certificates";

  private static final java.util.regex.Pattern PEM_BLOCK = java.util.regex.Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----(.*?)(-----END \\1-----|(?=-----BEGIN )|$)", java.util.regex.Pattern.DOTALL);

  /**
   * What is wrong with the PEM text given as {@code ssl.truststore.certificates}: none of it a certificate (a file
   * name, a private key), a certificate cut short, or one whose body does not read. Null when each block reads: the
   * failure was then another.
   */
  static String inlineCaProblem(Object value) {
    String text = value instanceof org.apache.kafka.common.config.types.Password p ? p.value() : String.valueOf(value);
    java.util.regex.Matcher m = PEM_BLOCK.matcher(text);
    int certificates = 0;
    String other = null;
    while (m.find()) {
      if (!m.group(1).equals("CERTIFICATE")) {
        other = other == null ? m.group(1) : other;
        continue;
      }
      certificates++;
      if (m.group(3).isEmpty()) {
        return "certificate " + certificates + " has no -----END CERTIFICATE----- line: the text was cut short";
      }
      try {
        java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
            new java.io.ByteArrayInputStream(java.util.Base64.getMimeDecoder().decode(m.group(2).trim())));
      } catch (IllegalArgumentException | java.security.cert.CertificateException e) {
        return "certificate " + certificates + " cannot be read (" + e.getMessage() + "): part of it is missing or"
            + " changed";
      }
    }
    if (certificates > 0) {
      return null;
    }
    if (other == null) {
      return "holds no -----BEGIN CERTIFICATE----- block (" + text.strip().length() + " characters, not shown)";
    }
    // the key's place only for a key: a CERTIFICATE REQUEST or an X509 CRL pasted there belongs nowhere in the monitor
    return "holds a " + other + ", not a certificate"
        + (other.endsWith("KEY") ? " (a key belongs in kafka.ssl.keystore.key, for mutual TLS only)" : "");
  }

  /** The store's location setting, with its origin, {@code problem} and what to check. */
  private static ConfigException unreadable(MonitorConfig c, Map<String, ?> parsed, String store, String problem) {
    String prefix = "kafka.ssl." + store;
    return c.invalid(prefix + ".location", "cannot be read as " + parsed.get("ssl." + store + ".type") + " ("
        + prefix + ".type): " + problem + "; check the path, " + prefix + ".type and " + prefix + ".password"
        + (store.equals("keystore") ? "" : " (PEM needs none; on Kubernetes the CA is ca.crt of"
            + " the Secret advmon-kafka, mounted as the StatefulSet says)"));
  }

  /**
   * Which store failed: Kafka's message names the file, but says "keystore" for a trust store too ("Failed to load PEM
   * SSL keystore /etc/ca.crt"), so with both stores set (mutual TLS) the word alone blamed the key store.
   */
  private static boolean failedStoreIsTheKeyStore(String message, Map<String, Object> props) {
    Object keys = props.get("ssl.keystore.location");
    Object trust = props.get("ssl.truststore.location");
    if (keys != null && message.contains(keys.toString()) != (trust != null && message.contains(trust.toString()))) {
      return message.contains(keys.toString());
    }
    return message.contains("keystore") && !message.contains("truststore") && keys != null && trust == null;
  }

  /** Kafka's message, then each cause's class and words: the file's own problem is the last. */
  private static String causes(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      sb.append(" <- ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    }
    return sb.toString();
  }
}
