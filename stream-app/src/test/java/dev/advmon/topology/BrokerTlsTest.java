package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.Keytool;
import dev.advmon.testing.TlsServer;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed TLS handshake with the broker is told apart from a refused login, by the classes of Java's exceptions and,
 * failing those, its words (the chains below are those a SASL_SSL broker gave in the TLS walk, README "Configuration",
 * and real handshakes against a TLS server): each names the setting to fix.
 */
class BrokerTlsTest {

  private static SslAuthenticationException handshake(Throwable root) {
    SSLHandshakeException javaWords = new SSLHandshakeException(root.getMessage());
    javaWords.initCause(root);
    return new SslAuthenticationException("SSL handshake failed", javaWords);
  }

  @Test
  void anUntrustedCaNamesTheTrustStore() {
    Exception e = handshake(new Exception("PKIX path building failed: sun.security.provider.certpath"
        + ".SunCertPathBuilderException: unable to find valid certification path to requested target"));

    assertThat(BrokerTls.advice(e)).hasValueSatisfying(a -> assertThat(a)
        .startsWith("the TLS handshake with the broker failed: this host does not trust the CA that signed the"
            + " broker's certificate")
        .contains("kafka.ssl.truststore.location").contains("kafka.ssl.truststore.type")
        .contains("unable to find valid certification path"));
  }

  @Test
  void anExpiredCertificateSaysSoAndWhatToRenew() {
    CertPathValidatorException validity = new CertPathValidatorException("validity check failed",
        new CertificateExpiredException("NotAfter: Fri Jan 31 04:38:22 UTC 2025"));
    Exception e = handshake(new Exception("PKIX path validation failed: " + validity, validity));

    assertThat(BrokerTls.advice(e)).hasValueSatisfying(a -> assertThat(a)
        .contains("a certificate of the broker's chain has expired (NotAfter: Fri Jan 31 04:38:22 UTC 2025)")
        .contains("renew it on the broker").contains("this host's clock"));
  }

  @Test
  void aCertificateForAnotherHostNamesTheBootstrapServersAndTheCheck() {
    Exception e = handshake(new CertificateException("No subject alternative DNS name matching localhost found."));

    assertThat(BrokerTls.advice(e)).hasValueSatisfying(a -> assertThat(a)
        .contains("the broker's certificate does not name the host the monitor connected to")
        .contains("kafka.bootstrap.servers").contains("advertised.listeners")
        .contains("kafka.ssl.endpoint.identification.algorithm")
        .contains("No subject alternative DNS name matching localhost found."));
  }

  /**
   * The handshake a Kafka client makes (the host name checked, as kafka.ssl.endpoint.identification.algorithm=https
   * does), against a real TLS server showing {@code keys}, with {@code trust}: what Java refused it with, as Kafka
   * wraps it.
   */
  private static SslAuthenticationException realHandshake(Path keys, KeyStore trust, String host) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return realHandshake(keys, tmf.getTrustManagers(), host);
  }

  /** As above, the client checking the broker's chain with {@code trust}. */
  private static SslAuthenticationException realHandshake(Path keys, javax.net.ssl.TrustManager[] trust, String host)
      throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust, null);
    try (TlsServer broker = new TlsServer(keys, PASSWORD);
        SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket(host, broker.port())) {
      SSLParameters parameters = client.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      client.setSSLParameters(parameters);
      client.startHandshake();
    } catch (SSLHandshakeException e) {
      return new SslAuthenticationException("SSL handshake failed", e);
    }
    throw new AssertionError("the handshake with " + host + " was accepted");
  }

  /** Java's own exception classes with other words: those of another JSSE provider or another Java version. */
  private static SslAuthenticationException otherWords(Throwable cause) {
    SSLHandshakeException javaLevel = new SSLHandshakeException("handshake refused");
    javaLevel.initCause(cause);
    return new SslAuthenticationException("SSL handshake failed", javaLevel);
  }

  private static final String PASSWORD = "changeit";

  @Test
  void aRealHandshakeWithAnUnknownCaNamesTheTrustStore(@TempDir Path dir) throws Exception {
    Path broker = Keytool.keyPair(dir, "broker", 30, PASSWORD);
    KeyStore otherCa = Keytool.load(Keytool.keyPair(dir, "other-ca", 30, PASSWORD), PASSWORD);

    assertThat(BrokerTls.advice(realHandshake(broker, otherCa, "localhost"))).hasValueSatisfying(a -> assertThat(a)
        .contains("this host does not trust the CA that signed the broker's certificate")
        .contains("kafka.ssl.truststore.location"));
  }

  @Test
  void aRealHandshakeWithAnotherHostsCertificateNamesTheBootstrapServers(@TempDir Path dir) throws Exception {
    Path broker = dir.resolve("broker-1.p12");
    Keytool.run("-genkeypair", "-alias", "broker-1", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
        "CN=broker-1", "-ext", "SAN=dns:broker-1.kafka.svc", "-validity", "30", "-keystore", broker.toString(),
        "-storetype", "PKCS12", "-storepass", PASSWORD);

    assertThat(BrokerTls.advice(realHandshake(broker, Keytool.load(broker, PASSWORD), "localhost")))
        .hasValueSatisfying(a -> assertThat(a)
            .contains("the broker's certificate does not name the host the monitor connected to")
            .contains("kafka.bootstrap.servers"));
  }

  @Test
  void anUnknownCaIsToldByItsExceptionClassWhateverTheWords() {
    // a trust manager refusing the chain: a CertificateException subclass over the path builder's exception
    CertificateException refused = new CertificateException("chain refused",
        new CertPathBuilderException("no chain to an anchor"));

    assertThat(BrokerTls.advice(otherWords(refused))).hasValueSatisfying(a -> assertThat(a)
        .contains("this host does not trust the CA that signed the broker's certificate"));
  }

  @Test
  void anotherHostIsToldByItsExceptionClassWhateverTheWords() {
    // the host-name check after a chain that validated: a bare CertificateException
    assertThat(BrokerTls.advice(otherWords(new CertificateException("certificate is for broker-1.kafka.svc"))))
        .hasValueSatisfying(a -> assertThat(a)
            .contains("the broker's certificate does not name the host the monitor connected to")
            .contains("certificate is for broker-1.kafka.svc"));
  }

  @Test
  void aWeakAlgorithmIsNotBlamedOnTheCa() {
    CertificateException weak = new CertificateException("Certificates do not conform to algorithm constraints",
        new CertPathValidatorException("Algorithm constraints check failed on signature algorithm: SHA1withRSA", null,
            null, -1, CertPathValidatorException.BasicReason.ALGORITHM_CONSTRAINED));

    assertThat(BrokerTls.advice(otherWords(weak))).hasValueSatisfying(a -> assertThat(a)
        .doesNotContain("does not trust the CA").doesNotContain("does not name the host")
        .contains("SHA1withRSA"));
  }

  /**
   * A certificate of the broker's chain that marks an extension Java does not know as critical: the SunX509 trust
   * manager (kafka.ssl.trustmanager.algorithm=SunX509) refuses it with a bare CertificateException after the chain
   * validated, the class of the host-name check's refusal, and the advice was to use another host name, which the
   * certificate held already; PKIX refuses it with a CertPathValidatorException of no reason, read as an unknown CA.
   */
  @Test
  void anUnknownCriticalExtensionSaysToReissueTheCertificateNotToChangeTheHostOrTheCa() {
    Exception simple = handshake(new CertificateException("Certificate contains unsupported critical extensions:"
        + " [1.3.6.1.4.1.55555.1]"));
    CertPathValidatorException pkix = new CertPathValidatorException("Unrecognized critical extension(s)");
    Exception viaPkix = handshake(new CertificateException("PKIX path validation failed: " + pkix, pkix));

    assertThat(BrokerTls.advice(simple)).hasValueSatisfying(a -> assertThat(a)
        .contains("a certificate of the broker's chain marks as critical an extension Java does not know")
        .contains("1.3.6.1.4.1.55555.1").contains("have it reissued")
        .doesNotContain("does not name the host").doesNotContain("kafka.bootstrap.servers"));
    assertThat(BrokerTls.advice(viaPkix)).hasValueSatisfying(a -> assertThat(a)
        .contains("marks as critical an extension Java does not know (Unrecognized critical extension(s))")
        .doesNotContain("does not trust the CA"));
  }

  /** No X509TrustManager among the client's trust managers: Java's stand-in refuses every chain, with a bare one too. */
  @Test
  void aRealHandshakeWithoutAnX509TrustManagerNamesTheTrustSettingsNotTheHost(@TempDir Path dir) throws Exception {
    Path broker = Keytool.keyPair(dir, "broker", 30, PASSWORD);
    javax.net.ssl.TrustManager[] none = {new javax.net.ssl.TrustManager() {}};

    assertThat(BrokerTls.advice(realHandshake(broker, none, "localhost"))).hasValueSatisfying(a -> assertThat(a)
        .contains("this host has no trust manager to check the broker's certificate with")
        .contains("kafka.ssl.trustmanager.algorithm")
        .doesNotContain("does not name the host"));
  }

  /**
   * A certificate its CA revoked (Java's chain, with revocation checking on): a CertPathValidatorException, which was
   * read as an unknown CA, whose advice (put the CA in the trust store) cannot help; and a check that got no answer.
   */
  @Test
  void aRevokedCertificateSaysToReissueItNotToTrustItsCa() {
    CertPathValidatorException revoked = new CertPathValidatorException("Certificate has been revoked, reason:"
        + " KEY_COMPROMISE", null, null, -1, CertPathValidatorException.BasicReason.REVOKED);
    Exception e = handshake(new CertificateException("PKIX path validation failed: " + revoked, revoked));

    assertThat(BrokerTls.advice(e)).hasValueSatisfying(a -> assertThat(a)
        .contains("the broker's certificate, or a CA certificate of its chain, was revoked by its CA"
            + " (Certificate has been revoked, reason: KEY_COMPROMISE)")
        .contains("have the broker's certificate reissued")
        .doesNotContain("does not trust the CA").doesNotContain("does not name the host"));

    CertPathValidatorException unknown = new CertPathValidatorException("Could not determine revocation status", null,
        null, -1, CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS);
    assertThat(BrokerTls.advice(handshake(new CertificateException("PKIX path validation failed", unknown))))
        .hasValueSatisfying(a -> assertThat(a)
            .contains("this host checks whether the broker's certificate was revoked and got no answer")
            .contains("OCSP").doesNotContain("does not trust the CA"));
  }

  @Test
  void aRefusedLoginIsNoHandshakeFailure() {
    assertThat(BrokerTls.advice(new SaslAuthenticationException("Authentication failed: invalid credentials")))
        .isEmpty();
  }

  @Test
  void theAdviceStandsForTheLoginsInFailuresHint() {
    Exception e = handshake(new Exception("unable to find valid certification path to requested target"));

    assertThat(Failures.hint(e)).contains("the TLS handshake with the broker failed")
        .doesNotContain("refuses the monitor's login");
  }

  /**
   * The exception Java's PKIX validator really throws for a certificate with an unknown critical extension (its
   * words are lower case, its reason UNRECOGNIZED_CRIT_EXT): a keytool CA signs a certificate with one.
   */
  @Test
  void aRealPkixRefusalOfAnUnknownCriticalExtensionGetsItsOwnAdvice(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path ca = dir.resolve("ca.p12");
    Path leaf = dir.resolve("leaf.p12");
    Keytool.run("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=ca", "-ext", "bc:c", "-validity", "30",
        "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", "secret");
    Keytool.run("-genkeypair", "-alias", "leaf", "-keyalg", "EC", "-dname", "CN=broker", "-validity", "30",
        "-keystore", leaf.toString(), "-storetype", "PKCS12", "-storepass", "secret");
    Path csr = dir.resolve("leaf.csr");
    Path crt = dir.resolve("leaf.crt");
    Keytool.run("-certreq", "-alias", "leaf", "-keystore", leaf.toString(), "-storetype", "PKCS12", "-storepass",
        "secret", "-file", csr.toString());
    Keytool.run("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass",
        "secret", "-ext", "1.2.3.4:critical=0500", "-infile", csr.toString(), "-outfile", crt.toString());
    java.security.cert.CertificateFactory x509 = java.security.cert.CertificateFactory.getInstance("X.509");
    java.security.cert.X509Certificate broker;
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(crt)) {
      broker = (java.security.cert.X509Certificate) x509.generateCertificate(in);
    }
    java.security.cert.PKIXParameters parameters = new java.security.cert.PKIXParameters(java.util.Set.of(
        new java.security.cert.TrustAnchor((java.security.cert.X509Certificate) Keytool.load(ca, "secret")
            .getCertificate("ca"), null)));
    parameters.setRevocationEnabled(false);
    CertPathValidatorException real = org.assertj.core.api.Assertions.catchThrowableOfType(
        CertPathValidatorException.class, () -> java.security.cert.CertPathValidator.getInstance("PKIX")
            .validate(x509.generateCertPath(java.util.List.of(broker)), parameters));

    assertThat(BrokerTls.advice(handshake(new CertificateException("PKIX path validation failed: " + real, real))))
        .get().asString()
        .contains("a certificate of the broker's chain marks as critical an extension Java does not know")
        .doesNotContain("kafka.ssl.truststore.location must hold that CA");
  }
}
