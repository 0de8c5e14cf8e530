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
        throw unreadable(c, parsed, store, "NoSuchFileException: " + location
            + TildePaths.notExpanded(location.toString(), "file"));
      }
    }
    boolean inlineKeys = !props.containsKey("ssl.keystore.location")
        && (props.get(INLINE_CHAIN) != null || props.get(INLINE_KEY) != null);
    DefaultSslEngineFactory engines = new DefaultSslEngineFactory();
    try {
      engines.configure(parsed); // it holds no open resource once configured
    } catch (KafkaException | IllegalArgumentException e) {
      // Kafka's words for these ("No matching PRIVATE KEY entries in PEM file", "algid parse error, not a sequence",
      // "DerValue.getBigIntegerInternal, not expected 48") name neither the setting nor what it should hold. Read
      // only once Kafka refused its key store: Kafka's PEM reading takes more than this reading knows ("-----BEGIN
      // X509 CERTIFICATE-----", "TRUSTED CERTIFICATE"), and a pair that Kafka takes must never stop the start
      Problem keyText = inlineKeys && !causes(e).contains("PEM truststore") ? inlineKeyTextProblem(props) : null;
      if (keyText != null) {
        throw c.invalid("kafka." + keyText.setting(), keyText.words());
      }
      String store = failedStoreIsTheKeyStore(String.valueOf(e.getMessage()), props) ? "keystore" : "truststore";
      Object inline = props.get(INLINE_CA);
      // Kafka builds the key store first: a key store it refused leaves the inline CA unread, and this reading, which
      // knows fewer forms than Kafka's, would blame a CA that Kafka reads whole (-----BEGIN TRUSTED CERTIFICATE-----, a
      // \n in a comment line) and hide the key store's fault
      String problem = inline == null || props.containsKey("ssl.truststore.location") || !refusesTrustStore(parsed)
          ? null : inlineCaProblem(inline);
      if (problem != null) {
        // Kafka's words ("No matching CERTIFICATE entries in PEM file") name neither the setting nor what it should
        // hold; the value is a secret setting's (Kafka types it a password), so it is not shown
        throw c.invalid("kafka." + INLINE_CA, problem + ": it must hold the CA that signed the broker's certificate in"
            + " PEM, whole, from its -----BEGIN CERTIFICATE----- line to its -----END CERTIFICATE----- line (on"
            + " Kubernetes ca.crt of the Secret advmon-kafka), with kafka.ssl.truststore.type=PEM; or give the file in"
            + " kafka.ssl.truststore.location instead (Kafka: " + causes(e) + ")");
      }
      Problem keys = inlineKeys ? inlineKeyReadProblem(e) : null;
      if (keys != null) {
        throw c.invalid("kafka." + keys.setting(), keys.words() + " (Kafka: " + causes(e) + ")");
      }
      if (!props.containsKey("ssl." + store + ".location")) {
        throw new ConfigException("the Kafka clients' TLS settings (kafka.ssl.*) cannot be used: " + causes(e), e);
      }
      throw unreadable(c, parsed, store, causes(e));
    }
    Object inlineCa = props.get(INLINE_CA);
    if (inlineCa != null && !props.containsKey("ssl.truststore.location")) {
      // Kafka takes a bundle of CAs on one line, trusts one of them, and the broker that another one signed is then
      // refused in the handshake as untrusted, as if its certificate were wrong
      Problem lost = trustedCertificatesLost(inlineCa, engines.truststore());
      if (lost != null) {
        throw c.invalid("kafka." + lost.setting(), lost.words());
      }
    }
    if (inlineKeys) {
      // Kafka takes a chain and a key that do not belong together: a broker that wants a client certificate then ends
      // the handshake with "Received fatal alert: handshake_failure", naming no setting (Kafka 4.3.1, by hand)
      Problem mismatch = chainForAnotherKey(engines.keystore(), props.get("ssl.key.password"));
      if (mismatch != null) {
        mismatch = java.util.Objects.requireNonNullElse(certificatesLost(props.get(INLINE_CHAIN), engines.keystore()),
            mismatch);
        throw c.invalid("kafka." + mismatch.setting(), mismatch.words());
      }
    }
  }

  /** Whether Kafka refuses the trust store of {@code parsed} on its own, with no key store given. */
  private static boolean refusesTrustStore(Map<String, ?> parsed) {
    Map<String, Object> trustOnly = new java.util.HashMap<>(parsed);
    for (String key : new String[] {"ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.key",
        "ssl.keystore.certificate.chain", "ssl.key.password"}) {
      trustOnly.put(key, null);
    }
    try {
      new DefaultSslEngineFactory().configure(trustOnly);
      return false;
    } catch (KafkaException | IllegalArgumentException e) {
      return true;
    }
  }

  /** A setting ({@code kafka.} left off) and what is wrong with it, in words that show none of its value. */
  record Problem(String setting, String words) {}

  /** The Kafka clients' keys for a key store given inline (PEM text), for mutual TLS. */
  private static final String INLINE_CHAIN = "ssl.keystore.certificate.chain";

  private static final String INLINE_KEY = "ssl.keystore.key";

  /** Where the two inline values come from on Kubernetes, and what each holds. */
  private static final String PAIR = " (a kubernetes.io/tls Secret holds them as tls.crt and tls.key)";

  /**
   * What is wrong with the text of {@code ssl.keystore.certificate.chain} or {@code ssl.keystore.key}, told before
   * Kafka reads them: not PEM, cut short, one in the other's place, a key in a form Kafka cannot read, an encrypted key
   * without {@code ssl.key.password} or a plain one with it. Null when each reads as what it should be, or is not set
   * (Kafka says which of the two is missing itself).
   */
  static Problem inlineKeyTextProblem(Map<String, Object> props) {
    Object chain = props.get(INLINE_CHAIN);
    if (chain != null) {
      String problem = certificatesProblem(chain, " (the key belongs in kafka.ssl.keystore.key)");
      if (problem != null) {
        return new Problem(INLINE_CHAIN, problem + ": it must hold the monitor's client certificate in PEM, whole,"
            + " then the CAs between it and the broker's trusted CA, if any" + PAIR);
      }
    }
    Object key = props.get(INLINE_KEY);
    if (key == null) {
      return null;
    }
    String text = secret(key);
    java.util.regex.Matcher m = PEM_BLOCK.matcher(text);
    String label = null;
    while (m.find()) {
      if (m.group(1).endsWith("PRIVATE KEY")) {
        label = m.group(1);
        break;
      }
      label = label == null ? m.group(1) : label;
    }
    boolean password = props.get("ssl.key.password") != null && !secret(props.get("ssl.key.password")).isEmpty();
    String want = ": it must hold the private key of the certificate in kafka.ssl.keystore.certificate.chain, in PEM"
        + " as PKCS#8 (-----BEGIN PRIVATE KEY-----, or -----BEGIN ENCRYPTED PRIVATE KEY----- with"
        + " kafka.ssl.key.password)" + PAIR;
    if (label == null) {
      return new Problem(INLINE_KEY, "holds no -----BEGIN PRIVATE KEY----- block (" + text.strip().length()
          + " characters, not shown)" + want);
    }
    if (!label.endsWith("PRIVATE KEY")) {
      return new Problem(INLINE_KEY, "holds a " + label + ", not a private key" + (label.equals("CERTIFICATE")
          ? " (a certificate belongs in kafka.ssl.keystore.certificate.chain)" : "") + want);
    }
    if (m.group(3).isEmpty()) {
      return new Problem(INLINE_KEY, "has no -----END " + label + "----- line: the text was cut short" + want);
    }
    if (!label.equals("PRIVATE KEY") && !label.equals("ENCRYPTED PRIVATE KEY")) {
      // openssl genrsa of OpenSSL 1.x, openssl ecparam -genkey and openssl rsa/ec write these; Kafka reads PKCS#8 only
      return new Problem(INLINE_KEY, "holds an " + label + " (PKCS#1 or SEC 1), which Kafka cannot read: it takes"
          + " PKCS#8; convert it with openssl pkcs8 -topk8 -nocrypt -in tls.key (with -nocrypt left out and"
          + " kafka.ssl.key.password set, encrypted)" + PAIR);
    }
    byte[] der;
    try {
      der = java.util.Base64.getMimeDecoder().decode(m.group(2).trim());
    } catch (IllegalArgumentException e) {
      return new Problem(INLINE_KEY, "its " + label + " block cannot be read (not Base64): part of it is missing or"
          + " changed" + want);
    }
    if (label.equals("ENCRYPTED PRIVATE KEY") && !password) {
      return new Problem(INLINE_KEY, "holds an encrypted key (-----BEGIN ENCRYPTED PRIVATE KEY-----), but"
          + " kafka.ssl.key.password is not set: set it to the key's password (ADVMON_KAFKA_SSL_KEY_PASSWORD), or give"
          + " the key unencrypted (openssl pkcs8 -topk8 -nocrypt)");
    }
    if (label.equals("PRIVATE KEY") && password) {
      // Kafka then decrypts the plain key, and fails with "overrun, bytes = 1196"
      return new Problem("ssl.key.password", "is set, but kafka.ssl.keystore.key is not encrypted (-----BEGIN PRIVATE"
          + " KEY-----), and Kafka would decrypt it: leave kafka.ssl.key.password unset"
          + " (ADVMON_KAFKA_SSL_KEY_PASSWORD), or give the key encrypted (-----BEGIN ENCRYPTED PRIVATE KEY-----)");
    }
    if (label.equals("PRIVATE KEY") && !readsAsAKey(der)) {
      return new Problem(INLINE_KEY, "its PRIVATE KEY block cannot be read as a PKCS#8 key (RSA, EC, EdDSA or DSA):"
          + " part of it is missing or changed" + want);
    }
    return null;
  }

  /** Whether {@code der} is a PKCS#8 private key of an algorithm TLS uses; its words are never shown. */
  private static boolean readsAsAKey(byte[] der) {
    for (String algorithm : new String[] {"RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA"}) {
      try {
        java.security.KeyFactory.getInstance(algorithm)
            .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        return true;
      } catch (java.security.GeneralSecurityException | RuntimeException e) {
        // another algorithm's key, or none: try the next
      }
    }
    return false;
  }

  /**
   * What Kafka's failure to read an inline key store that looked right means: certificates that do not form a chain, a
   * wrong {@code ssl.key.password}, or a key encrypted with PBES2, which Java 17's EncryptedPrivateKeyInfo names by no
   * cipher it can make. Null for any other.
   */
  static Problem inlineKeyReadProblem(Throwable e) {
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof java.security.KeyStoreException
          && String.valueOf(t.getMessage()).contains("chain is not valid")) {
        // Java's PKCS12 store takes a chain only where each certificate's issuer is the next one's subject
        return new Problem(INLINE_CHAIN, "does not read as one chain: each certificate must be signed by the next,"
            + " the monitor's client certificate first, then the CA that signed it, and so on; give them in that"
            + " order, and no certificate of another chain" + PAIR);
      }
      if (t instanceof javax.crypto.BadPaddingException) {
        return new Problem("ssl.key.password", "does not decrypt kafka.ssl.keystore.key: set it to the password the"
            + " key was encrypted with (ADVMON_KAFKA_SSL_KEY_PASSWORD)");
      }
      if (t instanceof java.security.NoSuchAlgorithmException && String.valueOf(t.getMessage()).contains("PBES2")) {
        // OpenSSL 3's openssl pkcs8 -topk8 encrypts with PBES2 by default; Java 25 (the image's runtime) reads it
        return new Problem(INLINE_KEY, "is encrypted with PBES2 (the default of OpenSSL 3's openssl pkcs8 -topk8),"
            + " which this Java (" + System.getProperty("java.version") + ") cannot decrypt: run the monitor on the"
            + " image's Java 25, or encrypt the key again with openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES, or give it"
            + " unencrypted (openssl pkcs8 -topk8 -nocrypt, and no kafka.ssl.key.password)");
      }
    }
    return null;
  }

  /**
   * Whether the key Kafka read ({@code keys}, its PEM key store) belongs to the first certificate of its chain: the key
   * signs, the certificate's public key verifies. Null when it does, or when neither can be told (an algorithm this
   * check does not know).
   */
  static Problem chainForAnotherKey(java.security.KeyStore keys, Object keyPassword) {
    try {
      for (String alias : java.util.Collections.list(keys.aliases())) {
        java.security.Key key = keys.getKey(alias, keyPassword == null ? new char[0] : secret(keyPassword)
            .toCharArray());
        java.security.cert.Certificate[] chain = keys.getCertificateChain(alias);
        if (!(key instanceof java.security.PrivateKey privateKey) || chain == null || chain.length == 0) {
          continue;
        }
        String signing = signatureFor(privateKey.getAlgorithm());
        if (signing == null) {
          return null;
        }
        byte[] challenge = "advmon: does the chain belong to the key".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.security.Signature signer = java.security.Signature.getInstance(signing);
        signer.initSign(privateKey);
        signer.update(challenge);
        byte[] signature = signer.sign();
        if (verifies(signing, chain[0].getPublicKey(), challenge, signature)) {
          return null;
        }
        return new Problem(INLINE_CHAIN, "does not belong to kafka.ssl.keystore.key: the public key of its first"
            + " certificate (" + subject(chain[0]) + ", " + chain[0].getPublicKey().getAlgorithm() + ") is not that of"
            + " kafka.ssl.keystore.key (" + privateKey.getAlgorithm() + "): give the certificate issued for that key"
            + " first, then its CAs, and the key, from the same place" + PAIR);
      }
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      return null; // Kafka read them: whatever this check cannot, it leaves to the handshake
    }
    return null;
  }

  private static final java.util.regex.Pattern CERTIFICATE_BEGIN = java.util.regex.Pattern.compile(
      "-----BEGIN [A-Z0-9 ]*CERTIFICATE-----");

  /** A certificate's BEGIN line run into its body: Kafka's PEM pattern wants white space after the line's dashes. */
  private static final java.util.regex.Pattern RUN_TOGETHER = java.util.regex.Pattern.compile(
      "-----BEGIN [A-Z0-9 ]*CERTIFICATE-----(?=[^\\s-])");

  /** A BEGIN or END line's dashes next to \n written out (a backslash and an n), where a line break belongs. */
  private static final java.util.regex.Pattern WRITTEN_OUT_NEWLINE = java.util.regex.Pattern.compile(
      "-----\\\\n|\\\\n-----");

  /**
   * Whether Kafka read fewer certificates than {@code chainText} holds. Kafka's PEM pattern reads one block of those on
   * one line: a chain written on one line (a properties file's lines continued with \, or joined by hand) reads as a
   * single certificate of it, not the client's, and so looks like a chain for another key. Null when none was lost.
   */
  static Problem certificatesLost(Object chainText, java.security.KeyStore keys) {
    if (chainText == null || keys == null) {
      return null;
    }
    long given = certificatesGiven(chainText);
    int read = 0;
    try {
      for (String alias : java.util.Collections.list(keys.aliases())) {
        java.security.cert.Certificate[] chain = keys.getCertificateChain(alias);
        read = Math.max(read, chain == null ? 0 : chain.length);
      }
    } catch (java.security.KeyStoreException e) {
      return null;
    }
    if (read == 0 || given <= read) {
      return null;
    }
    return new Problem(INLINE_CHAIN, "holds " + given + " certificates, but Kafka read only " + read + " of them: "
        + OWN_LINES + "; a properties file's lines continued with \\ join them into one), the monitor's client"
        + " certificate first, then its CAs" + PAIR);
  }

  /** How PEM blocks must be written for Kafka to read each; the caller closes the parenthesis with its own cause. */
  private static final String OWN_LINES = "each -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- line must be"
      + " a line of its own (of the blocks on one line, Kafka reads one";

  /** How many certificate blocks {@code pemText} holds, by their BEGIN lines; the text is never shown. */
  private static long certificatesGiven(Object pemText) {
    return CERTIFICATE_BEGIN.matcher(secret(pemText)).results().count();
  }

  /**
   * Whether Kafka's trust store ({@code trust}, read from {@code ssl.truststore.certificates}) holds fewer
   * certificates than {@code caText}: CAs written on one line (an environment variable or a Secret's value without its
   * newlines) read as one of them, and Kafka starts trusting that one only.
   * Kafka keeps a CA given twice twice, so fewer entries always mean blocks it did not read. Null when none was lost.
   */
  static Problem trustedCertificatesLost(Object caText, java.security.KeyStore trust) {
    if (caText == null || trust == null) {
      return null;
    }
    long given = certificatesGiven(caText);
    java.util.List<String> trusted = new java.util.ArrayList<>();
    try {
      for (String alias : java.util.Collections.list(trust.aliases())) {
        java.security.cert.Certificate certificate = trust.getCertificate(alias);
        trusted.add(certificate == null ? alias : subject(certificate));
      }
    } catch (java.security.KeyStoreException e) {
      return null;
    }
    if (trusted.isEmpty() || given <= trusted.size()) {
      return null;
    }
    // a block without its END line is lost whatever the lines: the advice on lines would not be the cause
    int unended = unendedCertificate(secret(caText));
    String cause = unended > 0
        ? "certificate " + unended + " has no -----END CERTIFICATE----- line (cut short, or files joined where one"
            + " lacked it): end each block with its -----END CERTIFICATE----- line"
        : OWN_LINES + "; an environment variable or a Secret's value written without its newlines joins them)";
    // the subjects are the CAs' names, no secret: they tell which of the bundle the operator would have trusted
    return new Problem(INLINE_CA, "holds " + given + " certificates, but Kafka read only " + trusted.size() + " of"
        + " them and would trust only " + (trusted.size() == 1 ? "that CA" : "those CAs") + " ("
        + String.join("; ", trusted) + "): " + cause + ", so that each CA is trusted; or give them as a file in"
        + " kafka.ssl.truststore.location instead");
  }

  /** The number (from 1) of the first certificate block of {@code text} with no END line before the next; else 0. */
  private static int unendedCertificate(String text) {
    java.util.regex.Matcher m = PEM_BLOCK.matcher(text);
    int certificates = 0;
    while (m.find()) {
      if (m.group(1).endsWith("CERTIFICATE")) {
        certificates++;
        if (m.group(3).isEmpty()) {
          return certificates;
        }
      }
    }
    return 0;
  }

  private static String signatureFor(String keyAlgorithm) {
    return switch (keyAlgorithm) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519", "Ed448" -> keyAlgorithm;
      case "DSA" -> "SHA256withDSA";
      default -> null; // RSASSA-PSS wants parameters: left to the handshake
    };
  }

  private static boolean verifies(String signing, java.security.PublicKey publicKey, byte[] data, byte[] signature) {
    try {
      java.security.Signature verifier = java.security.Signature.getInstance(signing);
      verifier.initVerify(publicKey);
      verifier.update(data);
      return verifier.verify(signature);
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      return false; // another algorithm's public key: not this key's certificate
    }
  }

  private static String subject(java.security.cert.Certificate certificate) {
    return certificate instanceof java.security.cert.X509Certificate x
        ? x.getSubjectX500Principal().getName() : certificate.getType();
  }

  /** A secret setting's value as text: Kafka's parsed config types it a Password. */
  private static String secret(Object value) {
    return value instanceof org.apache.kafka.common.config.types.Password p ? p.value() : String.valueOf(value);
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
    return certificatesProblem(value, " (a key belongs in kafka.ssl.keystore.key, for mutual TLS only)");
  }

  /** As {@link #inlineCaProblem}, for any setting of PEM certificates; {@code keyNote} says where a key belongs. */
  private static String certificatesProblem(Object value, String keyNote) {
    String text = secret(value);
    // asked only once Kafka refused the text: both forms below are what Kafka's PEM pattern finds no block in
    if (WRITTEN_OUT_NEWLINE.matcher(text).find()) {
      // a value quoted for a shell or a YAML file with ' keeps \n as is; asked at a BEGIN or END line only: a comment
      // line may hold one (C:\new), and Kafka reads the blocks around it
      return "holds \\n written out (a backslash and an n) where its line breaks belong: write real newlines";
    }
    if (RUN_TOGETHER.matcher(text).find()) {
      return "has no line break after its -----BEGIN CERTIFICATE----- line (its newlines were removed, as in an"
          + " environment variable or a Secret's value written on one line): Kafka reads a block only where a line"
          + " break follows that line; write the PEM text with its newlines";
    }
    java.util.regex.Matcher m = PEM_BLOCK.matcher(text);
    int certificates = 0;
    String other = null;
    while (m.find()) {
      // Kafka reads -----BEGIN TRUSTED CERTIFICATE----- (openssl x509 -trustout) and X509 CERTIFICATE as certificates
      if (!m.group(1).endsWith("CERTIFICATE")) {
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
        + (other.endsWith("KEY") ? keyNote : "");
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
