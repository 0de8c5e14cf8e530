package dev.advmon.registry;

import dev.advmon.config.TildePaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/** Builds the SSLContext for an https registry from the settings' trust store and optional key store. */
final class RegistryTls {

  private RegistryTls() {}

  /**
   * An https registry's TLS: the context, whose key manager ({@link CertificateRequests}) remembers the registry's
   * requests for a client certificate, with or without a key store.
   */
  record Client(SSLContext context, CertificateRequests requests) {}

  /**
   * Empty where neither store is set and no registry.url is https, or the JVM's own key store is set
   * (javax.net.ssl.keyStore, in ADVMON_JAVA_OPTS): the JVM's default context then sends its certificate, as before, and
   * requests for one are not remembered. Without a trust store the JVM's default trust applies; without a key store no
   * certificate is sent, but a request for one is still remembered.
   */
  static Optional<Client> context(RegistrySettings settings) {
    if (settings.truststore() == null && settings.keystore() == null
        && (settings.urls().stream().noneMatch(u -> "https".equalsIgnoreCase(u.getScheme()))
            || System.getProperty("javax.net.ssl.keyStore") != null)) {
      return Optional.empty();
    }
    try {
      TrustManagerFactory tmf = null;
      if (settings.truststore() != null) {
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore trust = load(settings.truststore(), "trust store", TRUST_SETTING);
        if (!holdsACertificate(trust) && noPassword(settings.truststore())) {
          // Java opens a PKCS12 file without its password and finds no certificate in it: not openssl's doing
          throw new IllegalArgumentException("the registry trust store " + settings.truststore().path() + " ("
              + TRUST_SETTING + ") shows no certificate without its password: no password was given: set"
              + " registry.ssl.truststore.password (ADVMON_REGISTRY_SSL_TRUSTSTORE_PASSWORD)");
        }
        if (!holdsACertificate(trust)) {
          // Every handshake would fail, and the monitor wait for a registry it can never trust.
          throw new IllegalArgumentException("the registry trust store " + settings.truststore().path() + " ("
              + TRUST_SETTING + ") holds no certificate: Java reads none from a PKCS12 file made by openssl "
              + "with -nokeys; import the registry's CA certificate with keytool -importcert instead");
        }
        tmf.init(trust);
      }
      KeyManagerFactory kmf = null;
      if (settings.keystore() != null) {
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = load(settings.keystore(), "key store", KEY_SETTING);
        try {
          kmf.init(keys, chars(settings.keystore().password()));
        } catch (java.security.UnrecoverableKeyException e) {
          // a store opened without its password (or whose key has another): "Get Key failed" named no setting
          throw new IllegalArgumentException("cannot read the key in the registry key store "
              + settings.keystore().path() + " (" + KEY_SETTING + "): " + e.getMessage() + "; "
              + (noPassword(settings.keystore()) ? "no password was given: set" : "check")
              + " registry.ssl.keystore.password (ADVMON_REGISTRY_SSL_KEYSTORE_PASSWORD), the store's and its key's",
              e);
        }
      }
      CertificateRequests requests = new CertificateRequests(kmf == null ? null : keyManager(kmf));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new javax.net.ssl.KeyManager[] {requests}, tmf == null ? null : tmf.getTrustManagers(), null);
      return Optional.of(new Client(context, requests));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e.getMessage(), e);
    }
  }

  private static javax.net.ssl.X509ExtendedKeyManager keyManager(KeyManagerFactory kmf) {
    for (javax.net.ssl.KeyManager km : kmf.getKeyManagers()) {
      if (km instanceof javax.net.ssl.X509ExtendedKeyManager x509) {
        return x509;
      }
    }
    throw new IllegalStateException("the JVM's " + kmf.getAlgorithm() + " key manager is not an"
        + " X509ExtendedKeyManager");
  }

  /**
   * Whether {@code e} is this host refusing the registry's certificate (an unknown CA, another host's name, expired),
   * told by the classes Java puts in the chain, not its words, which change between Java versions.
   */
  static boolean certificateRefused(SSLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertificateException || t instanceof CertPathValidatorException
          || t instanceof CertPathBuilderException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The TLS alert with which the registry (or its proxy) refused this host's client certificate, or asked for one it
   * did not get: bad_certificate, certificate_required (TLS 1.3), handshake_failure (TLS 1.2 servers that require one
   * send it when none came), and those that judge a certificate sent (unknown_ca, certificate_unknown, expired,
   * revoked); null for any other failure. Told by Java's "Received fatal alert: " words, the alert's own name, which
   * names no class; the refusal of the registry's certificate by this host is {@link #certificateRefused}.
   * {@link #NO_ALERT} where the registry asked for a client certificate and closed the connection with no alert seen
   * ({@link ClosedAfterCertificateRequest}).
   */
  static String clientCertificateAlert(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ClosedAfterCertificateRequest) {
        return NO_ALERT;
      }
      String words = t instanceof SSLException && t.getMessage() != null ? t.getMessage() : "";
      int at = words.indexOf(RECEIVED_ALERT);
      String alert = at < 0 ? "" : words.substring(at + RECEIVED_ALERT.length()).split("[^a-z_]", 2)[0];
      if (CLIENT_CERTIFICATE_ALERTS.contains(alert)) {
        return alert;
      }
    }
    return null;
  }

  private static final String RECEIVED_ALERT = "Received fatal alert: ";

  /** {@link #clientCertificateAlert}'s answer where the registry closed the connection instead of an alert. */
  static final String NO_ALERT = "none, the connection closed";

  private static final java.util.Set<String> CLIENT_CERTIFICATE_ALERTS = java.util.Set.of("bad_certificate",
      "certificate_required", "handshake_failure", "unknown_ca", "certificate_unknown", "certificate_expired",
      "certificate_revoked", "unsupported_certificate");

  /**
   * What stops the monitor when every try of a call ({@code tries}, over every registry URL) met a certificate this
   * host does not trust: the call's retries found the same certificate, so waiting would not end, and the monitor reads
   * its trust store only when it starts (the broker's equivalent stops it too). One refused try among others is not it.
   */
  static RegistryRequestException untrusted(String urls, int tries, SSLException e) {
    boolean expired = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      expired |= t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException;
    }
    return RegistryRequestException.untrusted("this host does not trust the certificate of the registry at " + urls
        + " (registry.url), at each of " + tries + (tries == 1 ? " try" : " tries") + ": " + e.getMessage() + "; "
        + (expired
            ? "it is out of its validity: renew it on the registry (or its proxy), or set this host's clock right"
            : "registry.ssl.truststore.location (ADVMON_REGISTRY_SSL_TRUSTSTORE_LOCATION; a Kafka client's "
                + RegistrySettings.TRUSTSTORE_LOCATION + ") must hold the CA that signed it (not set: Java's default"
                + " CAs), and the certificate must name the host in registry.url")
        + "; the monitor reads its TLS settings only when it starts", e);
  }

  /**
   * Both names of the key store's setting: the Kafka client's alone named a setting the monitor's file does not have
   * (registry.ssl.keystore.location, since 2026-12-07).
   */
  private static final String KEY_SETTING = RegistrySettings.KEYSTORE_LOCATION
      + ", the monitor's registry.ssl.keystore.location";

  /** Both names of the trust store's setting: a Kafka client's and the monitor's own. */
  private static final String TRUST_SETTING = RegistrySettings.TRUSTSTORE_LOCATION
      + ", the monitor's registry.ssl.truststore.location";

  private static boolean holdsACertificate(KeyStore ks) throws GeneralSecurityException {
    for (String alias : java.util.Collections.list(ks.aliases())) {
      if (ks.getCertificate(alias) != null) {
        return true;
      }
    }
    return false;
  }

  private static KeyStore load(RegistrySettings.Store store, String what, String setting)
      throws GeneralSecurityException {
    try {
      return store.read();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the registry " + what + " " + store.path() + " (" + setting
          + ") as " + store.type() + " (wrong path, type or password?): " + e.getMessage() + advice(store, what, e), e);
    }
  }

  /** Which of the store's settings the failure points at: Java's words name none of the monitor's. */
  private static String advice(RegistrySettings.Store store, String what, IOException e) {
    String prefix = what.equals("trust store") ? "registry.ssl.truststore" : "registry.ssl.keystore";
    if (!Files.exists(store.path())) { // Java's words say it is missing; not why, for a path written ~/...
      return TildePaths.notExpanded(store.path().toString(), "file");
    }
    String env = "ADVMON_" + prefix.toUpperCase(java.util.Locale.ROOT).replace('.', '_') + "_PASSWORD";
    if (isPem(store.path())) {
      // a CA as Kafka's side takes it (ca.crt); Java's PKCS12 and JKS loaders cannot read it
      return "; " + store.path() + " is a PEM file, which " + prefix + ".type (PKCS12 or JKS) cannot read: import it"
          + " with keytool -importcert -file " + store.path() + " -keystore registry-trust.p12 -storetype PKCS12 and"
          + " give that file";
    }
    if (e.getCause() instanceof java.security.UnrecoverableKeyException || String.valueOf(e.getMessage())
        .contains("password")) {
      return noPassword(store)
          ? "; no password was given: set " + prefix + ".password (" + env + ")"
          : "; check " + prefix + ".password (" + env + ")";
    }
    return "";
  }

  private static boolean noPassword(RegistrySettings.Store store) {
    return store.password() == null || store.password().isEmpty();
  }

  /**
   * Whether {@code path} holds PEM text. Not only at its start: `openssl pkcs12 -nokeys` writes "Bag Attributes",
   * friendlyName, subject and issuer lines first, which pushed -----BEGIN past the 64 bytes once looked at.
   */
  private static boolean isPem(java.nio.file.Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      return new String(in.readNBytes(PEM_LOOK_BYTES), java.nio.charset.StandardCharsets.US_ASCII)
          .contains("-----BEGIN ");
    } catch (IOException e) {
      return false; // a missing file: Java's words say so
    }
  }

  /** How much of a trust store is read to tell PEM text: a few certificates with their attribute lines. */
  private static final int PEM_LOOK_BYTES = 16 * 1024;

  private static char[] chars(String password) {
    return password == null ? null : password.toCharArray();
  }
}
