package dev.advmon.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.streams.state.HostInfo;

/** A loopback server at a peer's address that answers every request with 200 and what {@code body} gives. */
final class PeerStub {

  /**
   * The Peers timeout of tests whose peers all answer, or refuse the connection at once: the answer is what they
   * check, never the timeout. 2 s ran out on a machine loaded like CI (a 4 MB summary read on an eighth of a core),
   * and the peer was then listed as not answering.
   */
  static final Duration ANSWERS_WITHIN = Duration.ofSeconds(60);

  private PeerStub() {}

  /** Starts it; {@code open} closes it after the test. */
  static HostInfo answering(List<AutoCloseable> open, String contentType, Function<HttpExchange, byte[]> body)
      throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/", ex -> {
      byte[] bytes = body.apply(ex);
      ex.getResponseHeaders().set("Content-Type", contentType);
      ex.sendResponseHeaders(200, bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    });
    s.start();
    open.add(() -> s.stop(0));
    return new HostInfo("127.0.0.1", s.getAddress().getPort());
  }
}
