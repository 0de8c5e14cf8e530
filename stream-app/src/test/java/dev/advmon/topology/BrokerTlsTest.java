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
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
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
}
