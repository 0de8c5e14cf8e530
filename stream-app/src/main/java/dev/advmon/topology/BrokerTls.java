package dev.advmon.topology;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Optional;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * What a failed TLS handshake with the broker means and which setting fixes it. Kafka reports one as an
 * {@link SslAuthenticationException} ("SSL handshake failed"), an authentication error like a refused SASL login, so
 * the monitor once told an operator whose broker certificate had expired to check kafka.sasl.jaas.config; the
 * reason is further down the chain, in the classes of Java's certificate exceptions (and in its words, the fallback).
 */
public final class BrokerTls {

  private BrokerTls() {}

  /** Advice for a failed TLS handshake in {@code failure}'s chain, with Java's own words; empty for anything else. */
  public static Optional<String> advice(Throwable failure) {
    SslAuthenticationException handshake = null;
    for (Throwable t = failure; t != null && handshake == null; t = t.getCause()) {
      if (t instanceof SslAuthenticationException s) {
        handshake = s;
      }
    }
    if (handshake == null) {
      return Optional.empty();
    }
    Throwable root = handshake;
    Throwable path = null;
    CertificateException identity = null;
    for (Throwable t = handshake.getCause(); t != null; t = t.getCause()) {
      root = t;
      if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
        String when = t.getMessage() == null ? "" : " (" + t.getMessage() + ")";
        return Optional.of(PREFIX + "a certificate of the broker's chain has "
            + (t instanceof CertificateExpiredException ? "expired" : "a start date still to come") + when
            + ": renew it on the broker (its ssl.keystore; on Strimzi the cluster CA renews it), or, if the"
            + " certificate is right, set this host's clock right; a running monitor meets this at its next"
            + " connection to the broker");
      }
      if (t instanceof CertPathValidatorException v && (v.getReason() == BasicReason.REVOKED
          || v.getReason() == BasicReason.UNDETERMINED_REVOCATION_STATUS)) {
        // a trusted CA that revoked the certificate, or a revocation check that found no answer: a trust store that
        // holds the CA mends neither
        return Optional.of(revoked(v.getReason() == BasicReason.REVOKED, rootWords(t)));
      }
      // Java 17's and 25's PKIXMasterCertPathValidator give the reason UNRECOGNIZED_CRIT_EXT, in lower-case words
      // ("unrecognized critical extension(s)"), which the words' test alone had missed
      if (t instanceof CertPathValidatorException v && (v.getReason() == java.security.cert.PKIXReason
          .UNRECOGNIZED_CRIT_EXT || String.valueOf(v.getMessage()).toLowerCase(java.util.Locale.ROOT)
          .startsWith("unrecognized critical extension"))) {
        // PKIX's words for a certificate of the chain that marks an extension it does not know as critical: a
        // validator exception with no reason of its own, which the CA's advice below does not mend
        return Optional.of(criticalExtension(v.getMessage()));
      }
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException v
          && v.getReason() != BasicReason.ALGORITHM_CONSTRAINED) {
        // a weak algorithm (the words say which) is no matter of the CA: the generic advice below
        path = path == null ? t : path;
      }
      if (t.getClass() == CertificateException.class && t.getCause() == null) {
        String bare = String.valueOf(t.getMessage());
        // the two other bare CertificateExceptions Java throws in a handshake (EndEntityChecker, SSLContextImpl's
        // DummyX509TrustManager): told by their words, as no class tells them from the host-name check's
        if (bare.startsWith("Certificate contains unsupported critical extensions")) {
          return Optional.of(criticalExtension(bare)); // the SunX509 trust manager's end-entity check
        }
        if (bare.startsWith("No X509TrustManager")) {
          return Optional.of(PREFIX + "this host has no trust manager to check the broker's certificate with ("
              + bare + "): check kafka.ssl.trustmanager.algorithm (unset: Java's default, PKIX) and"
              + " kafka.ssl.truststore.*");
        }
        identity = (CertificateException) t;
      }
    }
    String words = root.getMessage() == null ? root.getClass().getName() : root.getMessage();
    // Told by the classes Java puts in the chain, whose words change between Java versions and providers: the trust
    // manager validates the chain first (a refusal is a CertPathBuilderException, no path to a trusted CA, or a
    // CertPathValidatorException, under a CertificateException subclass), and only a chain that validated is checked
    // against the host name, whose refusal is a bare CertificateException with no cause. The words are the fallback
    // for a chain that carries neither.
    if (path == null && identity != null) {
      return Optional.of(otherHost(identity.getMessage() == null ? words : identity.getMessage()));
    }
    if (path != null) {
      return Optional.of(untrusted(words));
    }
    if (words.contains("No subject alternative") || words.contains("No name matching")) {
      return Optional.of(otherHost(words));
    }
    if (words.contains("certification path") || words.contains("PKIX")) {
      return Optional.of(untrusted(words));
    }
    return Optional.of(PREFIX + words + ": check that kafka.security.protocol says SSL or SASL_SSL only where the"
        + " broker's listener speaks TLS, kafka.ssl.truststore.* (the CA of the broker's certificate) and, if the"
        + " broker wants a client certificate, kafka.ssl.keystore.*");
  }

  private static String otherHost(String words) {
    return PREFIX + "the broker's certificate does not name the host the monitor connected to (" + words
        + "): use a host name the certificate holds in kafka.bootstrap.servers and in the broker's"
        + " advertised.listeners, or have the certificate reissued with that name as subjectAltName;"
        + " kafka.ssl.endpoint.identification.algorithm= (empty) turns the check off, which lets anyone in the"
        + " middle in";
  }

  private static String criticalExtension(String words) {
    return PREFIX + "a certificate of the broker's chain marks as critical an extension Java does not know (" + words
        + "): have it reissued without that extension, or with it not critical; no setting of the monitor accepts it";
  }

  private static String revoked(boolean revoked, String words) {
    return PREFIX + (revoked
        ? "the broker's certificate, or a CA certificate of its chain, was revoked by its CA (" + words + "): have"
            + " the broker's certificate reissued (on Strimzi, renew the cluster CA or the broker's certificate);"
            + " trusting its CA again in kafka.ssl.truststore.location does not help"
        : "this host checks whether the broker's certificate was revoked and got no answer (" + words + "): let it"
            + " reach the OCSP responder or CRL that the certificate names, or turn the check off"
            + " (-Dcom.sun.net.ssl.checkRevocation=false, the JVM's default)");
  }

  /** The words of {@code t}'s innermost cause, or of {@code t}: the most precise Java gives. */
  private static String rootWords(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String words = root.getMessage() == null ? t.getMessage() : root.getMessage();
    return words == null ? t.getClass().getName() : words;
  }

  private static String untrusted(String words) {
    return PREFIX + "this host does not trust the CA that signed the broker's certificate (" + words
        + "): kafka.ssl.truststore.location must hold that CA, as kafka.ssl.truststore.type says (PEM, PKCS12 or"
        + " JKS; on Kubernetes ca.crt of the Secret advmon-kafka, a copy of the cluster CA, which nothing updates:"
        + " make it again after the CA is renewed)";
  }

  private static final String PREFIX = "the TLS handshake with the broker failed: ";
}
