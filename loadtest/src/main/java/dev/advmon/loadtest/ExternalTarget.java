package dev.advmon.loadtest;

import dev.advmon.cli.Wiring;
import dev.advmon.config.MonitorConfig;
import dev.advmon.registry.HttpSchemaRegistryClient;
import dev.advmon.registry.RegistryRequestException;
import dev.advmon.registry.RegistrySerdeException;
import dev.advmon.registry.RegistryUnavailableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A monitor deployed elsewhere, named by its own settings file ({@code --config}): the same broker, registry,
 * topics and kafka.* security settings the monitor uses. The load tester only produces frames and reads
 * verdicts.
 */
final class ExternalTarget extends ConfiguredTarget {

  /** How long the registry has to answer the check before the first frame (the monitor's readiness probe: 2 s). */
  private static final Duration REGISTRY_CHECK = Duration.ofSeconds(10);

  /** How {@link MonitorConfig#origin} names a value an ADVMON_ variable gave: this, then the variable's name. */
  private static final String ENVIRONMENT_ORIGIN = "environment ";

  private final Path file;
  private final HttpSchemaRegistryClient registry;

  ExternalTarget(Path file, Path home) {
    this(file, settings(file, home));
  }

  /**
   * The monitor's settings from {@code file}, validated, with a broker and a registry: read before anything else
   * (the start line, the report folder), so that a wrong file is the first and only thing a run says.
   */
  static MonitorConfig settings(Path file, Path home) {
    MonitorConfig c = MonitorConfig.load(file, System.getenv(), Map.of(), home).validated()
        .require("kafka.bootstrap.servers", "registry.url");
    // as the monitor's run: its Kafka clients would fail naming kafka.bootstrap.servers for an unreadable CA file
    dev.advmon.config.KafkaTlsStores.check(c);
    return c;
  }

  /** {@code config}: {@link #settings} of {@code file}. */
  ExternalTarget(Path file, MonitorConfig config) {
    this(file, config, new HttpSchemaRegistryClient(Wiring.registrySettings(config)));
  }

  private ExternalTarget(Path file, MonitorConfig config, HttpSchemaRegistryClient registry) {
    super(config, registry);
    this.file = file;
    this.registry = registry;
  }

  /**
   * One request to the registry before the first frame. Unchecked, a registry down or a wrong registry.url met the
   * first frame's serializer on the sender thread, after its retries, as "the sender thread stopped: ..." with the
   * exception's class name. The ping runs on a thread of its own, as the broker check's attempts do, and this ends
   * with {@link Interruption.Stopped} as soon as {@code stop} is requested: waited for here, Ctrl-C was heard only
   * after the ping's 10 s, and a ping that then failed stopped the run with the registry's error and no INTERRUPTED
   * report. A ping left behind by a stop is cancelled (interrupted: the registry client ends its request and holds
   * nothing), rather than left to run to its own timeout, 10 s per URL, while the run writes its report and closes.
   */
  @Override
  public void requireRegistry(Interruption stop) {
    CompletableFuture<Void> ping = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        registry.ping(REGISTRY_CHECK);
        ping.complete(null);
      } catch (RuntimeException | Error e) {
        ping.completeExceptionally(e);
      }
    }, "advmon-loadtest-registry-check");
    t.setDaemon(true); // never holds the JVM: a stop cancels it below, and it holds nothing
    t.start();
    try {
      while (true) {
        if (stop.requested()) {
          cancel(t);
        }
        stop.throwIfRequested();
        try {
          ping.get(50, TimeUnit.MILLISECONDS);
          return;
        } catch (TimeoutException e) {
          // not yet: look for a stop again
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the schema registry at "
          + config.string("registry.url"), e);
    } catch (ExecutionException e) {
      stop.throwIfRequested(); // a ping that failed as the stop came: the stop is what the run reports
      if (e.getCause() instanceof RegistrySerdeException r) {
        throw refused(r);
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw (Error) e.getCause();
    }
  }

  /**
   * Ends the ping thread {@code t} left behind by a stop: interrupted, the registry client cancels its request and
   * gives up. Waited for a moment, so that the run goes on to its report with the check over, not still asking.
   */
  private static void cancel(Thread t) throws InterruptedException {
    t.interrupt();
    t.join(PING_CANCEL_WAIT.toMillis());
  }

  /** How long a stop waits for the cancelled ping to end; it ends as soon as its request is cancelled. */
  private static final Duration PING_CANCEL_WAIT = Duration.ofSeconds(2);

  /** What the run says when the registry's check failed: credentials refused, or no registry's answer. */
  private IllegalStateException refused(RegistrySerdeException e) {
    if (e instanceof RegistryRequestException r && r.authenticationFailed()) {
      // it answered at once (401/403): a refusal, not silence, and "check that the registry runs" would mislead
      // with several URLs, what each did: the client asked the others after the refusal (for a third of the check's
      // time) so that a URL down beside the refusing one is told too, and its message names the refusing URL alone
      String each = r.failures().size() > 1 ? " (at each registry.url: " + eachUrl(r.failures()) + ")" : "";
      return new IllegalStateException("the schema registry refused the load tester's credentials: "
          + withoutAdvice(e.getMessage()) + each + "; the load tester registers the frame schema there as a camera "
          + "would: check registry.basic-auth.user-info (ADVMON_REGISTRY_BASIC_AUTH_USER_INFO) in "
          + settingsSource() + ", a user allowed to read and register the frames topic's subject", e);
    }
    return new IllegalStateException("the schema registry did not answer as one within " + REGISTRY_CHECK.toSeconds()
        + " s: " + problem(e) + "; the load tester registers the frame schema there as a camera would: check "
        + "registry.url (and registry.* credentials) in " + settingsSource() + " against the monitor's, and that "
        + "the registry runs", e);
  }

  /**
   * What went wrong, without the client's own advice: an unavailable registry's message ends "check that the registry
   * is running and its URL is right (registry.url ...)", which the load tester's advice above says again, with the
   * file to fix. Each URL and how it failed when there are several (the last problem tells of the last one only), or
   * when one is not the API root (that problem names registry.url itself).
   */
  static String problem(RegistrySerdeException e) {
    if (e instanceof RegistryUnavailableException u) {
      if (u.failures().size() > 1 || u.notTheApiRoot() && !u.failures().isEmpty()) {
        return eachUrl(u.failures());
      }
      return u.lastProblem();
    }
    return e.getMessage();
  }

  /** Each URL and what it did: "http://a:8081: HTTP 401, login refused, http://b:8081: connection refused". */
  private static String eachUrl(Map<String, String> failures) {
    return String.join(", ", failures.entrySet().stream().map(f -> f.getKey() + ": " + f.getValue()).toList());
  }

  /**
   * The registry client's words without its advice ("; check basic.auth.user.info ..."): it names the client's own
   * key, which no --config file holds.
   */
  private static String withoutAdvice(String message) {
    int advice = message == null ? -1 : message.indexOf("; check ");
    return advice < 0 ? String.valueOf(message) : message.substring(0, advice);
  }

  @Override
  public String settingsSource() {
    return "--config " + file;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("mode", "external");
    d.put("bootstrap_servers", config.string("kafka.bootstrap.servers"));
    d.put("registry", config.string("registry.url"));
    d.put("frames_topic", framesTopic());
    d.put("verdicts_topic", verdictsTopic());
    d.put("dead_letter_topic", deadLetterTopic());
    // the load tester cannot ask the monitor: what its file says is what a reader of the report can compare; an
    // ADVMON_ variable of the load tester's own shell (ADVMON_MODEL_DIR, exported for --embedded runs) overrides the
    // file here, and is named so that its value is not taken for the file's
    List<String> fromEnvironment = new java.util.ArrayList<>();
    for (String k : MONITOR_SETTINGS) {
      String origin = config.origin(k);
      if (origin != null && origin.startsWith(ENVIRONMENT_ORIGIN)) {
        fromEnvironment.add(k + " from the load tester's environment variable "
            + origin.substring(ENVIRONMENT_ORIGIN.length()));
      }
    }
    d.put("monitor_settings", "below, as " + settingsSource() + " gives them here"
        + (fromEnvironment.isEmpty() ? "" : ", but " + String.join(", ", fromEnvironment))
        + ": the running monitor's may differ");
    for (String k : MONITOR_SETTINGS) {
      d.put(k, config.string(k));
    }
    return d;
  }

  @Override
  public void close() {}
}
