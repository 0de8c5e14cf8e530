package dev.advmon.registry;

import java.io.IOException;
import javax.net.ssl.SSLHandshakeException;

/**
 * A request to an https registry that asked for this host's client certificate in the request's own TLS handshake, got
 * none (no key store, or none of its certificates from a CA the registry named), then closed the connection with no
 * answer and no alert that reached this host ({@link CertificateRequests}): how a server on Java (Jetty) refuses a
 * missing client certificate under TLS 1.3. An SSLException, as an alert's refusal is, so that it reads as a handshake
 * the registry refused (it answered), not as an outage. Not where a certificate was sent: with mutual TLS working,
 * every new connection's handshake asks for one and gets it, and a close then (a restart, a proxy's reset) is no
 * refusal.
 */
public final class ClosedAfterCertificateRequest extends SSLHandshakeException {

  private static final long serialVersionUID = 1L;

  ClosedAfterCertificateRequest(IOException closed) {
    super("the registry asked for a client certificate in the TLS handshake, got none, and closed the connection"
        + " without answering (" + closed + ")");
    initCause(closed);
  }
}
