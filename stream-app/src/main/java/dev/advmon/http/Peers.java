package dev.advmon.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The other instances of this monitor (the same Kafka Streams application id), by the {@code application.server}
 * each advertises, and how this one asks them over their HTTP port: so that {@code /cameras} and the dashboard of
 * any instance answer for every camera, whichever instance holds its partition.
 *
 * <p>Only instances named in the group's metadata are ever asked, so that a request cannot make the monitor
 * fetch from an arbitrary address. Questions to peers carry {@code scope=local}: a peer answers from its own
 * state and never asks further, so a question travels one hop at most. Every call has a timeout; an instance
 * that does not answer in time is reported as such, and the rest of the answer still comes back.
 */
public final class Peers {

  /** No other instance: a monitor alone, or a test. */
  public static final Peers NONE = new Peers(null, List::of, Duration.ofSeconds(1), null);

  /**
   * Sent with every question to a peer: this instance reads the "stale" of a /cameras?scope=local answer. A peer asks
   * for it before it answers from stores that may be stale; an instance of an earlier version, which does not send
   * it, read such an answer as a current one (complete: true, no note) during a rolling upgrade.
   */
  public static final String READS_STALE = "Advmon-Reads-Stale";

  /** One peer's answer: its status and body, or why there is none ({@code error}, status 0). */
  public record Answer(HostInfo peer, int status, byte[] body, String contentType, String error) {

    public boolean ok() {
      return status == 200;
    }

    public String server() {
      return serverName(peer);
    }
  }

  /**
   * Most bytes of one peer's answer: far above its largest (the camera listing stops at 10,000 cameras; a picture is
   * a small PNG), far below what would strain the heap if {@code application.server} named another service.
   */
  static final int MAX_ANSWER_BYTES = 32 * 1024 * 1024;
  /**
   * How long after a peer's last answer an unreachable peer is taken for one stopping or restarting rather than for
   * a wrong address: an instance scaled down stays in the group's metadata until the rebalance after it left (about
   * 3 s measured), and a rollout's restart takes seconds to a minute.
   */
  static final long RECENT_ANSWER_MS = 120_000;
  /**
   * How long a peer that did not answer within the timeout is not waited for: a peer whose host is gone (its pod
   * deleted, its node down) stays in the group's metadata until the next rebalance, and cost every question its full
   * timeout, each dashboard poll (every 1.5 s) 2 s. Meanwhile each question asks it again in the background (one at a
   * time): its answer ends the while at once, its timeout starts it again.
   */
  static final long SILENT_MEMORY_MS = 10_000;
  /** Peers remembered, at most: instances in one group, with room for pods renamed over time. */
  private static final int MAX_REMEMBERED = 1024;

  private final int maxAnswerBytes;
  private final HostInfo self;
  private final Supplier<List<HostInfo>> others;
  private final Function<String, String> unasked;
  private final Duration timeout;
  private final String bearerToken;
  /** Whether the group keeps standby replicas ({@code kafka.num.standby.replicas} above 0): see {@link #standbys()}. */
  private final boolean standbys;
  private final HttpClient http;
  private final LongSupplier nanos;
  /** host:port and path of a question -> its last 200 answer and when it came ({@link #askReusing}). */
  private final java.util.Map<String, Reused> reusable = new java.util.concurrent.ConcurrentHashMap<>();
  /** The bytes of the answers in {@link #reusable}; changed only while holding it. */
  private long reusableBytes;
  /** host:port of each peer -> when (System.nanoTime, in ms) it last sent any HTTP answer. */
  private final java.util.Map<String, Long> lastAnswerMs = new java.util.concurrent.ConcurrentHashMap<>();
  /** host:port of each peer that did not answer within the timeout at its last question -> why and when. */
  private final java.util.Map<String, Silent> silent = new java.util.concurrent.ConcurrentHashMap<>();

  /** A peer's last question that ran out its timeout: the reason given then, and when (on {@link #nanos}). */
  private record Silent(String reason, long atNanos) {}

  /** host:port of each remembered peer asked again in the background just now: one such question at a time. */
  private final java.util.Set<String> probing = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param self what this instance advertises (null if nothing): shown with its own part of merged answers
   * @param others the other instances now (Kafka Streams metadata, without this one)
   * @param timeout connect and answer timeout of each call
   * @param bearerToken sent as {@code Authorization: Bearer} when the peers require one; null for none
   */
  public Peers(HostInfo self, Supplier<List<HostInfo>> others, Duration timeout, String bearerToken) {
    this(self, others, timeout, bearerToken, false);
  }

  /** @param standbys whether the instances keep standby replicas ({@code kafka.num.standby.replicas} above 0) */
  public Peers(HostInfo self, Supplier<List<HostInfo>> others, Duration timeout, String bearerToken,
      boolean standbys) {
    this(self, others, id -> null, timeout, bearerToken, standbys);
  }

  /**
   * @param unasked for a camera id, why the partition that holds that camera cannot be asked for (its owner advertises
   *     no server, so it is not among {@code others}), null when it can; for null, the same of any partition
   */
  public Peers(HostInfo self, Supplier<List<HostInfo>> others, Function<String, String> unasked, Duration timeout,
      String bearerToken, boolean standbys) {
    this(self, others, unasked, timeout, bearerToken, MAX_ANSWER_BYTES, standbys, System::nanoTime);
  }

  Peers(HostInfo self, Supplier<List<HostInfo>> others, Duration timeout, String bearerToken, int maxAnswerBytes) {
    this(self, others, id -> null, timeout, bearerToken, maxAnswerBytes, false, System::nanoTime);
  }

  /** As above, on the clock {@code nanos} (tests). */
  Peers(HostInfo self, Supplier<List<HostInfo>> others, Duration timeout, boolean standbys, LongSupplier nanos) {
    this(self, others, id -> null, timeout, null, MAX_ANSWER_BYTES, standbys, nanos);
  }

  private Peers(HostInfo self, Supplier<List<HostInfo>> others, Function<String, String> unasked, Duration timeout,
      String bearerToken, int maxAnswerBytes, boolean standbys, LongSupplier nanos) {
    this.nanos = nanos;
    this.unasked = unasked;
    this.standbys = standbys;
    this.maxAnswerBytes = maxAnswerBytes;
    this.self = self;
    this.others = others;
    this.timeout = timeout;
    this.bearerToken = bearerToken == null || bearerToken.isBlank() ? null : bearerToken;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  public static String serverName(HostInfo h) {
    return h.host() + ":" + h.port();
  }

  /** This instance's advertised host:port, or "this instance" when it advertises none. */
  public String selfName() {
    return self == null ? "this instance" : serverName(self);
  }

  /** The host name this instance advertises, for the Host check; empty when it advertises none. */
  List<String> selfHost() {
    return self == null ? List.of() : List.of(self.host());
  }

  /**
   * Whether the instances keep standby replicas that can stand in for one that does not answer: without them, asking
   * the others for their standby replicas on every /cameras while a peer is down gets back what they already sent.
   */
  boolean standbys() {
    return standbys;
  }

  public List<HostInfo> others() {
    return others.get();
  }

  public boolean alone() {
    return others().isEmpty();
  }

  /**
   * Why the cameras of some partitions cannot be asked for: the instance that holds them advertises no server, so it
   * is not among {@link #others()}; null when every partition's owner can be asked. With {@code cameraId}, only where
   * the partition of that camera is one of them (null: any partition).
   */
  String unasked(String cameraId) {
    return unasked.apply(cameraId);
  }

  /** The peer named {@code server} (host:port), if it is one of the current others. */
  public Optional<HostInfo> find(String server) {
    return others().stream().filter(h -> serverName(h).equals(server)).findFirst();
  }

  /** GET {@code pathAndQuery} from every other instance at once; one answer per instance, in the same order. */
  public List<Answer> askAll(String pathAndQuery) {
    List<HostInfo> peers = others();
    List<CompletableFuture<Answer>> calls = new ArrayList<>(peers.size());
    for (HostInfo peer : peers) {
      calls.add(ask(peer, pathAndQuery));
    }
    return calls.stream().map(CompletableFuture::join).toList();
  }

  private record Reused(Answer answer, long atNanos) {}

  /**
   * As {@link #ask}, but a 200 answer to the same question of the same peer less than {@code maxAge} old is given
   * again without asking: for a question a poll would otherwise repeat every time to no use (the standby replicas'
   * cameras while a peer stays down, asked again of every answering peer on each dashboard poll, every 1.5 s).
   */
  public CompletableFuture<Answer> askReusing(HostInfo peer, String pathAndQuery, Duration maxAge) {
    String key = serverName(peer) + pathAndQuery;
    Reused last = reusable.get(key);
    long now = nanos.getAsLong();
    if (last != null && now - last.atNanos() < maxAge.toNanos()) {
      return CompletableFuture.completedFuture(last.answer());
    }
    return ask(peer, pathAndQuery).thenApply(a -> {
      if (a.ok()) {
        keep(key, new Reused(a, now));
      }
      return a;
    });
  }

  /**
   * Keeps {@code answer} for {@link #askReusing}, with at most {@code maxAnswerBytes} kept in all (what one answer may
   * hold): each /cameras?limit=N is its own question, and 1024 answers of up to that many bytes each stayed in memory.
   */
  private void keep(String key, Reused answer) {
    synchronized (reusable) {
      Reused before = reusable.remove(key);
      reusableBytes -= before == null ? 0 : bytes(before);
      if (reusable.size() >= MAX_REMEMBERED || reusableBytes + bytes(answer) > maxAnswerBytes) {
        reusable.clear();
        reusableBytes = 0;
      }
      reusable.put(key, answer);
      reusableBytes += bytes(answer);
    }
  }

  private static long bytes(Reused r) {
    return r.answer().body() == null ? 0 : r.answer().body().length;
  }

  /** GET {@code pathAndQuery} from {@code peer}; never fails: a failure is an answer with its reason. */
  public CompletableFuture<Answer> ask(HostInfo peer, String pathAndQuery) {
    String name = serverName(peer);
    Silent last = silent.get(name);
    long agoNanos = last == null ? Long.MAX_VALUE : nanos.getAsLong() - last.atNanos();
    if (agoNanos < TimeUnit.MILLISECONDS.toNanos(SILENT_MEMORY_MS)) {
      // answered at once, but the peer is asked again without waiting for it (one such question at a time): one that
      // was only slow (a GC pause, one slow answer such as an image) left every route's answers without it for the
      // whole SILENT_MEMORY_MS; now it is back at the first question after it answered
      if (probing.add(name)) {
        call(peer, pathAndQuery).whenComplete((a, e) -> probing.remove(name));
      }
      long agoS = TimeUnit.NANOSECONDS.toSeconds(agoNanos);
      return CompletableFuture.completedFuture(new Answer(peer, 0, null, null, last.reason() + " at its last question, "
          + agoS + " s ago; asked again without waiting for it until it answers, so that a peer whose host is gone "
          + "does not hold every answer"));
    }
    return call(peer, pathAndQuery);
  }

  /** GET {@code pathAndQuery} from {@code peer}, up to the timeout; a failure is an answer with a reason. */
  private CompletableFuture<Answer> call(HostInfo peer, String pathAndQuery) {
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create("http://" + serverName(peer) + pathAndQuery)).timeout(timeout).GET();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(new Answer(peer, 0, null, null, "not a usable address: " + e.getMessage()));
    }
    if (bearerToken != null) {
      request.header("Authorization", "Bearer " + bearerToken);
    }
    request.header(READS_STALE, "yes");
    CompletableFuture<HttpResponse<byte[]>> call = http.sendAsync(request.build(), info -> new CappedBody(
        maxAnswerBytes, "no answer of a monitor is that large: is " + serverName(peer) + " this monitor's HTTP port "
            + "(its streams.application-server)?"));
    // the request's own timeout stops at the headers: a peer that sends them and then stalls would hold the
    // dashboard request (and its HTTP worker) waiting for it for ever. The timeout is put on a copy: on the client's
    // own future it would complete it, and cancel(true) on a completed future does not abort the exchange, so the
    // connection (and the body read so far) stayed open for as long as the peer kept it, one more on every poll.
    return call.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(r -> {
          answered(peer);
          silent.remove(serverName(peer));
          return new Answer(peer, r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(null),
              r.statusCode() == 200 ? null : refusal(r.statusCode()) + quoted(r.body()));
        })
        .exceptionally(e -> {
          call.cancel(true);
          String why = reason(e, peer);
          if (timedOut(e)) {
            // only a question that cost the whole timeout: a refused connection answers at once, and says so each time
            if (silent.size() >= MAX_REMEMBERED) {
              silent.clear();
            }
            silent.put(serverName(peer), new Silent(why, nanos.getAsLong()));
          }
          return new Answer(peer, 0, null, null, why);
        });
  }

  /** Why a peer's answer is not one; for a 401, which setting the instances must share. */
  private String refusal(int status) {
    if (status != 401) {
      return "answered HTTP " + status;
    }
    return "answered HTTP 401: it " + (bearerToken == null ? "requires a token and this instance has none"
        : "refuses this instance's token") + "; give every instance the same http.bearer-token";
  }

  /** Most characters of a peer's own reason quoted in its refusal: a monitor's are a line or two. */
  static final int MAX_QUOTED_CHARS = 300;

  /**
   * {@code ": \"reason\""} where a refusal's body is a monitor's JSON error ({@code {"error": "..."}}), else "": a
   * peer's 503 says why it cannot answer (rebalancing, stopping), which the operator needs to tell waiting from acting.
   * The peer may be another service: the text is cut and its control characters shown as '?'.
   */
  private static String quoted(byte[] body) {
    try {
      com.fasterxml.jackson.databind.JsonNode error = body == null || body.length == 0 ? null
          : new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("error");
      if (error == null || !error.isTextual()) {
        return "";
      }
      return ": \"" + printable(error.asText()) + "\"";
    } catch (IOException | RuntimeException e) {
      return ""; // not a monitor's JSON: the status alone
    }
  }

  /** A peer's text as this instance shows it: at most {@link #MAX_QUOTED_CHARS}, control characters as '?'. */
  static String printable(String text) {
    String shown = text.codePoints().map(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    if (shown.length() <= MAX_QUOTED_CHARS) {
      return shown;
    }
    int cut = Character.isHighSurrogate(shown.charAt(MAX_QUOTED_CHARS - 1)) ? 1 : 0;
    return shown.substring(0, MAX_QUOTED_CHARS - cut) + "…";
  }

  private void answered(HostInfo peer) {
    if (lastAnswerMs.size() >= MAX_REMEMBERED) {
      lastAnswerMs.clear();
    }
    lastAnswerMs.put(serverName(peer), System.nanoTime() / 1_000_000);
  }

  private static boolean timedOut(Throwable e) {
    Throwable t = e.getCause() != null ? e.getCause() : e;
    return t instanceof HttpTimeoutException || t instanceof TimeoutException;
  }

  private String reason(Throwable e, HostInfo peer) {
    Throwable t = e.getCause() != null ? e.getCause() : e;
    if (timedOut(e)) {
      return "no answer within " + timeout.toMillis() + " ms";
    }
    if (t instanceof IOException) {
      String unreachable = "unreachable (" + t.getClass().getSimpleName()
          + (t.getMessage() == null ? "" : ": " + t.getMessage()) + ")";
      Long last = lastAnswerMs.get(serverName(peer));
      long agoMs = last == null ? Long.MAX_VALUE : System.nanoTime() / 1_000_000 - last;
      if (agoMs <= RECENT_ANSWER_MS) {
        // its address worked a moment ago: a scale-down or a rollout, not a setting to fix
        return unreachable + "; it answered " + Math.max(1, agoMs / 1000) + " s ago, so it is stopping or restarting "
            + "(a scale-down or a rollout: the group's metadata names it until the next rebalance), or its host "
            + "went away";
      }
      return unreachable + "; check its streams.application-server and http.bind";
    }
    return t.toString();
  }
}
