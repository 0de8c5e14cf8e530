package dev.advmon.registry;

import java.net.Socket;
import java.net.URI;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The registry client's key manager, which remembers when each registry host last asked for a client certificate in a
 * TLS handshake, and whether one was sent. A TLS 1.3 server judges the client's certificate only after the client's
 * handshake has finished: Java's own server (Jetty's, Confluent Schema Registry's) then closes the connection with no
 * alert that reaches java.net.http, whose request fails as "header parser received no bytes", and was told as an
 * outage ("check that the registry runs"). That the registry asked for a certificate in that very request's handshake
 * and got none tells it apart from a registry that went away. Delegates the choice of a certificate to the key store's
 * manager.
 */
final class CertificateRequests extends X509ExtendedKeyManager {

  /** A handshake's request for a client certificate: when (nanoTime) and whether this host sent one. */
  record Asked(long at, boolean sent) {}

  /** The key store's manager; null where no key store is set (no certificate to send). */
  private final X509ExtendedKeyManager keys;
  /** host:port to its last request: one per registry URL. */
  private final Map<String, Asked> asked = new ConcurrentHashMap<>();
  /**
   * host:port of each registry that answered a request whose handshake asked for a certificate and got none: it wants
   * one (Confluent's ssl.client.authentication=REQUESTED) but does not need it, so a close there later is no refusal.
   */
  private final java.util.Set<String> answeredWithout = ConcurrentHashMap.newKeySet();

  CertificateRequests(X509ExtendedKeyManager keys) {
    this.keys = keys;
  }

  /** The request {@code url}'s host made in a handshake since {@code since} (nanoTime), or null where it made none. */
  Asked askedSince(URI url, long since) {
    Asked last = asked.get(key(url.getHost(), port(url)));
    return last != null && last.at() - since >= 0 ? last : null;
  }

  /** That {@code url}'s registry answered a request sent at {@code since} (nanoTime): see {@link #wantsOnly}. */
  void answered(URI url, long since) {
    Asked last = askedSince(url, since);
    if (last != null && !last.sent()) {
      answeredWithout.add(key(url.getHost(), port(url)));
    }
  }

  /** Whether {@code url}'s registry answered after it asked for a certificate and got none: it does not need one. */
  boolean wantsOnly(URI url) {
    return answeredWithout.contains(key(url.getHost(), port(url)));
  }

  private static int port(URI url) {
    return url.getPort() != -1 ? url.getPort() : 443;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    String alias = keys == null ? null : keys.chooseEngineClientAlias(keyType, issuers, engine);
    if (engine != null && engine.getPeerHost() != null) {
      asked.put(key(engine.getPeerHost(), engine.getPeerPort()), new Asked(System.nanoTime(), alias != null));
    }
    return alias;
  }

  private static String key(String host, int port) {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (bare.indexOf(':') >= 0) {
      // an IPv6 address: java.net.http gives the engine its full form (0:0:0:0:0:0:0:1 for a registry.url's [::1]),
      // so both are written so; a literal is parsed, never looked up
      try {
        bare = java.net.InetAddress.getByName(bare).getHostAddress();
      } catch (java.net.UnknownHostException e) {
        // not an address after all: kept as written
      }
    }
    return bare.toLowerCase(Locale.ROOT) + ":" + port;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return keys == null ? null : keys.chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return keys == null ? null : keys.getClientAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return keys == null ? null : keys.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return keys == null ? null : keys.getPrivateKey(alias);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null; // a client's: it serves nothing
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
