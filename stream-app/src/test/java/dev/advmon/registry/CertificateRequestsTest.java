package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class CertificateRequestsTest {

  /**
   * java.net.http gives the TLS engine an IPv6 registry.url's address in its full form (0:0:0:0:0:0:0:1 for [::1], seen
   * against a server on ::1): keyed as written, a request for a certificate at https://[::1]:8443 was never found, and
   * the refusal read as an outage again. Names differ only in case; a URL without a port is at 443.
   */
  @Test
  void aRequestIsFoundForTheUrlWhateverFormItsHostIsWrittenIn() throws Exception {
    String[][] engineAndUrl = {
        {"0:0:0:0:0:0:0:1", "8443", "https://[::1]:8443"},
        {"0:0:0:0:0:0:0:1", "8443", "https://[0:0:0:0:0:0:0:1]:8443/apis/ccompat/v7"},
        {"fd00:0:0:0:0:0:0:5", "8443", "https://[FD00::5]:8443"},
        {"Registry.Example", "443", "https://registry.example/"},
        {"127.0.0.1", "8081", "https://127.0.0.1:8081"}};
    for (String[] c : engineAndUrl) {
      CertificateRequests requests = new CertificateRequests(null);
      long before = System.nanoTime();

      requests.chooseEngineClientAlias(new String[] {"RSA"}, null,
          SSLContext.getDefault().createSSLEngine(c[0], Integer.parseInt(c[1])));

      assertThat(requests.askedSince(URI.create(c[2]), before)).as(String.join(" ", c)).isNotNull()
          .extracting(CertificateRequests.Asked::sent).isEqualTo(false);
      URI url = URI.create(c[2]);
      assertThat(requests.askedSince(new URI("https", null, url.getHost(), Integer.parseInt(c[1]) + 1, "/", null, null),
          before)).as("another port").isNull();
    }
  }
}
