package dev.advmon.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Answers TLS handshakes on a free port, one connection after another, on a daemon thread. */
public final class TlsServer implements AutoCloseable {
  private final SSLServerSocket socket;
  /** The client certificates' subjects of the handshakes that completed on the server's side. */
  public final List<String> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A server showing the key pair of the PKCS12 store {@code keys} (opened with {@code password}). */
  public TlsServer(Path keys, String password) throws Exception {
    this(keys, password, null);
  }

  /** {@code clientTrust} non-null: a mutual TLS server (as a broker with ssl.client.auth=required). */
  public TlsServer(Path keys, String password, KeyStore clientTrust) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(Keytool.load(keys, password), password.toCharArray());
    TrustManagerFactory tmf = null;
    if (clientTrust != null) {
      tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(clientTrust);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
    socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0);
    socket.setNeedClientAuth(clientTrust != null);
    Thread t = new Thread(() -> {
      while (!socket.isClosed()) {
        try (SSLSocket s = (SSLSocket) socket.accept()) {
          s.startHandshake();
          if (clientTrust != null) {
            clients.add(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal()
                .getName());
          }
        } catch (IOException e) {
          // a client that refused the chain, or the socket closed: take the next one
        }
      }
    }, "tls-server");
    t.setDaemon(true);
    t.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
