package dev.advmon.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on a free port of 127.0.0.1 to another local port, which can play a network partition: {@link #cut()}
 * drops every connection through it and refuses new ones (accepted and closed at once) until {@link #heal()}, while
 * both ends stay up. Put it between a client and a server (for Kafka: advertise the relay's port, see
 * {@link StandaloneKafka#start(java.nio.file.Path, java.util.Map, TcpProxy)}, so that every connection of the
 * client goes through it, not only the bootstrap one).
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong refused = new AtomicLong();
  private volatile int target;
  private volatile boolean cut;
  private volatile boolean closed;

  private TcpProxy(ServerSocket server) {
    this.server = server;
    Thread acceptor = new Thread(this::accept, "tcp-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Listens on a free port; connections are refused until {@link #forwardTo} names where they go. */
  public static TcpProxy open() {
    try {
      return new TcpProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Relays new connections to 127.0.0.1:{@code port}. */
  public void forwardTo(int port) {
    target = port;
  }

  /** Drops every open connection (both sides see it closed) and refuses new ones until {@link #heal()}. */
  public void cut() {
    cut = true;
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  /** Accepts and relays connections again. */
  public void heal() {
    cut = false;
  }

  /** Connections refused so far (while cut, or before {@link #forwardTo}): that the client really kept trying. */
  public long refused() {
    return refused.get();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (cut || target == 0) {
        refused.incrementAndGet();
        closeQuietly(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5_000);
        open.add(client);
        open.add(upstream);
        if (cut) { // cut while connecting: this one must not survive it
          closeQuietly(client);
          closeQuietly(upstream);
          continue;
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        closeQuietly(client); // the server is down: the client sees its connection closed, as it would
      }
    }
  }

  /** Copies {@code from} to {@code to} on a thread of its own; when either side ends, both are closed. */
  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
        }
      } catch (IOException ended) {
        // closed by cut(), close() or either end
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-" + server.getLocalPort() + "-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    cut();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
