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
 * A TCP relay on a free port of 127.0.0.1 to another local port, which can play a network partition while both ends
 * stay up, in two ways until {@link #heal()}: {@link #cut()} drops every connection through it and refuses new ones
 * (accepted and closed at once), as a rejecting firewall or a restarted middlebox does; {@link #stall()} passes no
 * byte either way but closes nothing (new connections wait unconnected), as dropped packets do: the ends only
 * notice by their own timeouts, and what was sent arrives late once healed, as TCP retransmits it. Put it between a client and a server (for Kafka: advertise the relay's port, see
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
  /** Held while stalled; pumps and connection set-up wait on it. */
  private final Object stalledLock = new Object();
  private boolean stalled;

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

  /** Lets no byte through either way and sets up no new connection, closing nothing, until {@link #heal()}. */
  public void stall() {
    synchronized (stalledLock) {
      stalled = true;
    }
  }

  /** Accepts and relays connections again; what stalled flows on. */
  public void heal() {
    cut = false;
    synchronized (stalledLock) {
      stalled = false;
      stalledLock.notifyAll();
    }
  }

  /** Returns once not stalled (at once when not), or false when closed meanwhile. */
  private boolean awaitFlowing() {
    synchronized (stalledLock) {
      while (stalled && !closed) {
        try {
          stalledLock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return !closed;
    }
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
      open.add(client);
      Thread connect = new Thread(() -> relay(client), "tcp-proxy-" + server.getLocalPort() + "-connect");
      connect.setDaemon(true);
      connect.start();
    }
  }

  /** Connects {@code client} to the target once not stalled, and relays both ways. */
  private void relay(Socket client) {
    if (!awaitFlowing() || cut) {
      closeQuietly(client);
      open.remove(client);
      return;
    }
    Socket upstream = new Socket();
    try {
      upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5_000);
    } catch (IOException e) {
      closeQuietly(client); // the server is down: the client sees its connection closed, as it would
      open.remove(client);
      return;
    }
    open.add(upstream);
    if (cut) { // cut while connecting: this one must not survive it
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    pump(client, upstream);
    pump(upstream, client);
  }

  /** Copies {@code from} to {@code to} on a thread of its own; when either side ends, both are closed. */
  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        // while stalled, bytes read stay here and no more are read: TCP's own flow control holds the rest
        for (int n; (n = in.read(buffer)) >= 0 && awaitFlowing(); ) {
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
