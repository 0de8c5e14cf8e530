package dev.advmon.registry;

import java.io.IOException;
import javax.net.ssl.SSLHandshakeException;

/**
 * A request to an https registry that asked for this host's client certificate in the request's own TLS handshake, then
 * closed the connection with no answer and no alert that reached this host ({@link CertificateRequests}): how a TLS 1.3
 * server on Java (Jetty) refuses a missing or untrusted client certificate. An SSLException, as an alert's refusal is,
 * so that it reads as a handshake the registry refused (it answered), not as an outage.
 */
public final class ClosedAfterCertificateRequest extends SSLHandshakeException {

  private static final long serialVersionUID = 1L;

  private final boolean sent;

  ClosedAfterCertificateRequest(boolean sent, IOException closed) {
    super("the registry asked for a client certificate in the TLS handshake, "
        + (sent ? "got this host's" : "got none") + ", and closed the connection without answering (" + closed + ")");
    this.sent = sent;
    initCause(closed);
  }

  /** Whether this host sent a certificate when asked (the registry then refused it), or had none to send. */
  public boolean sent() {
    return sent;
  }
}
