package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;

/**
 * A failed TLS handshake with the broker is told apart from a refused login, by what Java's words say (the chains
 * below are those a SASL_SSL broker gave in the TLS walk, README "Configuration"): each names the setting to fix.
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
