package dev.advmon.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One TLS handshake with an endpoint, to read the certificate chain it presents, checked with the monitor's own trust
 * store for that endpoint. The chain is kept even when the trust check refuses it (an expired certificate, an unknown
 * CA), so that an expired one is reported as such rather than as "could not look".
 */
public final class CertificateLook {

  private CertificateLook() {}

  /** The certificate of a chain that expires first. */
  public record Earliest(X509Certificate certificate) {
    public java.time.Instant notAfter() {
      return certificate.getNotAfter().toInstant();
    }

    public String subject() {
      return certificate.getSubjectX500Principal().getName();
    }
  }

  /**
   * The chain's certificate that expires first. {@code trust} null = the JVM's default trust; {@code keys} the client
   * certificate to show a server that asks for one (null = none). Throws when no chain came (refused connection,
   * timeout, not TLS).
   */
  public static Earliest earliest(String host, int port, KeyStore trust, KeyManager[] keys, Duration timeout)
      throws IOException, GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    X509ExtendedTrustManager checked = Arrays.stream(tmf.getTrustManagers())
        .filter(X509ExtendedTrustManager.class::isInstance).map(X509ExtendedTrustManager.class::cast).findFirst()
        .orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
    Recording recording = new Recording(checked);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, new TrustManager[] {recording}, null);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(host, port), millis);
      plain.setSoTimeout(millis);
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, false)) {
        socket.startHandshake();
      } catch (SSLException e) {
        if (recording.chain.get() == null) {
          throw e; // refused before any certificate came: nothing to read
        }
        // the chain came and the trust check refused it: its dates are what this look is for
      }
    }
    return new Earliest(Arrays.stream(recording.chain.get())
        .min(Comparator.comparing(X509Certificate::getNotAfter)).orElseThrow());
  }

  /** Keeps the chain the server sent, then checks it as the monitor's clients would. */
  private static final class Recording extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager checked;
    final AtomicReference<X509Certificate[]> chain = new AtomicReference<>();

    Recording(X509ExtendedTrustManager checked) {
      this.checked = checked;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] c, String authType, Socket socket) throws CertificateException {
      chain.set(c.clone());
      checked.checkServerTrusted(c, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] c, String authType, SSLEngine engine) throws CertificateException {
      chain.set(c.clone());
      checked.checkServerTrusted(c, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] c, String authType) throws CertificateException {
      chain.set(c.clone());
      checked.checkServerTrusted(c, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] c, String authType, Socket socket) throws CertificateException {
      throw new CertificateException("a client-side look only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] c, String authType, SSLEngine engine) throws CertificateException {
      throw new CertificateException("a client-side look only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] c, String authType) throws CertificateException {
      throw new CertificateException("a client-side look only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return checked.getAcceptedIssuers();
    }
  }
}
