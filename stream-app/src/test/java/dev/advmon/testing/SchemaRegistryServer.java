package dev.advmon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension that provides one real schema registry per test JVM: the Apicurio Registry 2.4.2 server
 * built by the {@code registry-server} module ({@code registry-server/target/quarkus-app/quarkus-run.jar}),
 * run as a child JVM (the test JVM's own {@code java}, {@code -Xmx256m}) on a free port, in-memory storage.
 * It is shared by all test classes of the JVM and stopped by a shutdown hook when the JVM exits. Its log goes to
 * {@code stream-app/target/registry-server-PORT.log}.
 *
 * <p>It speaks the Confluent Schema Registry REST API at {@link Info#url()} =
 * {@code http://127.0.0.1:PORT/apis/ccompat/v7}; global compatibility is set to {@code BACKWARD}
 * (Apicurio's default would be NONE). Apicurio differences: ids are content ids (identical schemas share
 * an id) and 409 bodies carry error_code 0.
 *
 * <p>Use: {@code @ExtendWith(SchemaRegistryServer.class)} (or {@link RealKafkaAndRegistry}); then declare a
 * parameter of type {@link SchemaRegistryServer.Info}, or call the static {@link #url()}.
 * If the jar has not been built the test FAILS: build from the repository root with {@code mvn -B verify}.
 *
 * <p>{@code beforeAll} only launches the process, so that it boots while other extensions registered after
 * this one (the Kafka broker) start; the wait for readiness happens before each test, and in
 * {@link #url()} and parameter resolution, so whoever gets the URL gets a ready registry.
 */
public final class SchemaRegistryServer implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {

    /** What a test gets. */
    public interface Info {
        /** Base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}. */
        String url();

        int port();
    }

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /** How long a registry asked for after READY_TIMEOUT is still looked at (ready() after launchDedicated). */
    private static final Duration LATE_LOOKS = Duration.ofSeconds(10);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static volatile Running current;
    private static Running shared; // guarded by SchemaRegistryServer.class

    /**
     * URL of the shared registry's ccompat API (waits until it is ready); fails if no test class has used this
     * extension yet, or if the registry did not start.
     */
    public static String url() {
        Running r = current;
        if (r == null) {
            throw new IllegalStateException("No schema registry: annotate the test class with "
                    + "@ExtendWith(SchemaRegistryServer.class) or @RealKafkaAndRegistry");
        }
        return r.ready().url();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        running(); // launches the child JVM without waiting for it
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        running().ready();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == Info.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return running().ready();
    }

    /**
     * The shared registry, launched by the first test class of this JVM that asks and kept until the JVM exits (its
     * shutdown hook stops it), not closed with the engine's root store: surefire and failsafe run the classes of a
     * reused fork one launcher session each, so the root store closed after every class, and every class paid a new
     * registry's boot (22 of the system-test phase's 29 launches, 5-20 s of CPU each on 2 cores). One that failed to
     * start is not launched again: every later class gets its failure.
     */
    private static synchronized Running running() {
        if (shared == null) {
            shared = start();
        }
        current = shared;
        return shared;
    }

    static Path repoRoot() {
        String prop = System.getProperty("advmon.repo.root");
        // Without the property (e.g. an IDE run from stream-app/): assume the working directory is stream-app.
        Path root = prop != null ? Paths.get(prop) : Paths.get("").toAbsolutePath().getParent();
        return root.toAbsolutePath().normalize();
    }

    /**
     * The JVM's shared registry, for a test class that does not use this extension (one that starts brokers of its
     * own): launched here if no class has yet, without waiting, so that it boots while the caller starts something
     * else; {@link Running#ready()} before using it, and never close it (other classes use it after this one). Only
     * for tests that leave it as it is: a test that freezes, stops or breaks its registry starts one of its own
     * ({@link #launchDedicated()}).
     */
    public static Running shared() {
        return running();
    }

    /**
     * A registry of its own, outside the shared one (ready when returned; close it): for tests that freeze or
     * break their registry, so that no other test sees it.
     */
    public static Running startDedicated() {
        return start().ready();
    }

    /**
     * As {@link #startDedicated()}, but returns as soon as the process is launched: it boots (4-6 s) while the caller
     * starts something else (a broker), and {@link Running#ready()} then waits for it. Close it on every path.
     */
    public static Running launchDedicated() {
        return start();
    }

    /**
     * A registry of its own on {@code port} (ready when returned; close it): started after another on that port was
     * closed, it is that registry restarted with nothing in it (the server keeps its schemas in memory), at the same
     * URL.
     */
    public static Running startDedicated(int port) {
        return start(port).ready();
    }

    /** On a port found free: should another process take it before the registry binds it, it starts on another. */
    private static Running start() {
        return new Running(launch(ChildProcess.freePort()), true);
    }

    private static Running start(int port) {
        return new Running(launch(port), false);
    }

    /** As {@link #start()}, but on {@code port} first, as if another process had taken that port in between. */
    static Running startFirstOn(int port) {
        return new Running(launch(port), true);
    }

    private static Launch launch(int port) {
        Path root = repoRoot();
        Path jar = root.resolve("registry-server/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Schema registry server jar not found: " + jar
                    + ". It is built by the registry-server module: run the build from the repository root, "
                    + "`mvn -B verify` (or at least `mvn -B -pl registry-server package`), "
                    + "not with -Dquarkus.build.skip=true.");
        }
        Path log = root.resolve("stream-app/target/registry-server-" + port + ".log");
        String java = ProcessHandle.current().info().command().orElse(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar.toString());
        long t0 = System.nanoTime();
        Process process;
        long logFrom;
        try {
            Files.createDirectories(log.getParent());
            logFrom = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(jar.getParent().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())); // a restart's after the first's
            pb.environment().put("HTTP_PORT", Integer.toString(port)); // Apicurio reads the port only from here
            pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");   // do not listen on all interfaces
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the schema registry: " + command, e);
        }
        Thread hook = new Thread(() -> process.destroyForcibly(), "registry-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("Schema registry (Apicurio 2.4.2) launched, pid {}, port {}; log: {}", process.pid(), port, log);
        return new Launch(process, hook, port, log, logFrom, t0);
    }

    /**
     * One launch of the registry's JVM. {@code logFrom}: where its lines start in {@code log} (a restart on the same
     * port appends to the first one's).
     */
    private record Launch(Process process, Thread shutdownHook, int port, Path log, long logFrom, long startNanos) {

        /** Whether it exited because its port was taken (Quarkus: "Port N seems to be in use by another process"). */
        boolean lostItsPort() {
            if (process.isAlive()) {
                return false;
            }
            try (java.io.InputStream in = Files.newInputStream(log)) {
                in.skipNBytes(logFrom);
                String own = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return own.contains("seems to be in use") || own.contains("Address already in use");
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
    }

    /** Last {@code n} lines of a file, for failure messages. */
    static String tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    /** One try of the compatibility PUT, and all of them: a registry that is up answers it in milliseconds. */
    private static final Duration COMPATIBILITY_TRY = Duration.ofSeconds(10);
    private static final Duration COMPATIBILITY_BOUND = Duration.ofSeconds(120);

    /**
     * PUTs {@code body} to {@code uri} until it is answered 200, each try bounded by {@code perTry} and all of them by
     * {@code bound}, while {@code alive}. It was one request of 10 s: one slow answer on a loaded machine (the first
     * PUT of a JVM that had just become ready) failed the JVM's whole registry, and with it every test class that
     * used it. A refusal (HTTP 4xx) ends it at once. Returns null once answered, else what the last try got.
     */
    static String putUntilAnswered(HttpClient http, URI uri, String body, Duration perTry, Duration bound,
            java.util.function.BooleanSupplier alive) {
        HttpRequest put = HttpRequest.newBuilder(uri).timeout(perTry).header("Content-Type", CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        long deadline = System.nanoTime() + bound.toNanos();
        String last;
        int tries = 0;
        do {
            tries++;
            try {
                HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return null;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
                if (response.statusCode() < 500) {
                    return last; // refused: asking again gets the same answer
                }
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
            if (!alive.getAsBoolean()) {
                return last + " (and then it exited)";
            }
            LOG.warn("Schema registry: PUT {} failed (try {}): {}; trying again", uri, tries, last);
            Running.sleep(500);
        } while (System.nanoTime() < deadline);
        return last + " (" + tries + " tries within " + bound.toSeconds() + " s)";
    }

    public static final class Running implements Info, AutoCloseable {
        /** Launches on other ports after the first lost its port to another process, before giving up. */
        private static final int PORT_RETRIES = 3;

        /**
         * The current launch: replaced (in ready(), before anyone is handed the URL) when the first lost its port.
         * Volatile: url(), port() and pid() read it without the lock.
         */
        private volatile Launch launch;
        private final boolean relaunchable; // its port was found free, not asked for: another one will do
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final AtomicBoolean closed = new AtomicBoolean();
        private boolean ready;             // guarded by this
        private RuntimeException failure;  // guarded by this: why it did not start, rethrown to every caller

        private Running(Launch launch, boolean relaunchable) {
            this.launch = launch;
            this.relaunchable = relaunchable;
        }

        /**
         * Waits (once) until the registry answers and has BACKWARD compatibility; throws if it never does. A
         * registry on a port found free that exits because another process took the port first (CI 2026-12-07: "Port
         * 23803 seems to be in use", 57 system tests of one JVM lost) is launched again on another port, up to
         * {@value #PORT_RETRIES} times.
         */
        public synchronized Running ready() {
            if (failure != null) {
                throw new IllegalStateException(failure.getMessage(), failure);
            }
            if (!ready) {
                try {
                    for (int retry = 0; ; retry++) {
                        try {
                            awaitReady(launch.startNanos());
                            break;
                        } catch (IllegalStateException e) {
                            if (!relaunchable || retry == PORT_RETRIES || closed.get() || !launch.lostItsPort()) {
                                throw e;
                            }
                            Launch lost = launch;
                            removeHook(lost);
                            launch = launch(ChildProcess.freePort());
                            LOG.warn("Schema registry could not bind port {} (taken by another process); "
                                    + "launched again on port {}", lost.port(), launch.port());
                        }
                    }
                    setGlobalCompatibility("BACKWARD");
                } catch (RuntimeException e) {
                    failure = e;
                    close();
                    throw e;
                }
                ready = true;
                LOG.info("Schema registry (pid {}) ready {} ms after launch at {}", launch.process().pid(),
                        (System.nanoTime() - launch.startNanos()) / 1_000_000, url());
            }
            return this;
        }

        @Override
        public String url() {
            return "http://127.0.0.1:" + launch.port() + "/apis/ccompat/v7";
        }

        @Override
        public int port() {
            return launch.port();
        }

        /** The registry's process, e.g. to freeze it with SIGSTOP ({@link ChildProcess#signal}). */
        public long pid() {
            return launch.process().pid();
        }

        void awaitReady(long startNanos) {
            // from the launch, but never less than a few looks from now: launched to boot while the caller started a
            // broker (launchDedicated), the registry may be waited for only after READY_TIMEOUT has passed, and is then
            // usually long up; it was then called "not ready" without a single look
            long deadline = Math.max(startNanos + READY_TIMEOUT.toNanos(), System.nanoTime() + LATE_LOOKS.toNanos());
            HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/subjects"))
                    .timeout(Duration.ofSeconds(2)).GET().build();
            Process process = launch.process();
            String last = "no answer";
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw failure("exited with code " + process.exitValue() + " before it was ready");
                }
                try {
                    HttpResponse<String> response = http.send(probe, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    last = "HTTP " + response.statusCode() + ": " + response.body();
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw failure("start was interrupted");
                }
                sleep(200);
            }
            throw failure("was not ready " + (System.nanoTime() - startNanos) / 1_000_000_000
                    + " s after its launch (GET " + probe.uri() + ": " + last + ")");
        }

        void setGlobalCompatibility(String level) {
            Process process = launch.process();
            String failed = putUntilAnswered(http, URI.create(url() + "/config"),
                    "{\"compatibility\":\"" + level + "\"}", COMPATIBILITY_TRY, COMPATIBILITY_BOUND,
                    process::isAlive);
            if (failed != null) {
                throw failure("did not take PUT /config compatibility=" + level + ": " + failed);
            }
        }

        private IllegalStateException failure(String what) {
            return new IllegalStateException("Schema registry (" + url() + ") " + what
                    + ". Last lines of " + launch.log() + ":\n" + tail(launch.log(), 40));
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            if (current == this) {
                current = null;
            }
            Process process = launch.process();
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            removeHook(launch);
            LOG.info("Schema registry stopped (pid {})", process.pid());
        }

        private static void removeHook(Launch launch) {
            try {
                Runtime.getRuntime().removeShutdownHook(launch.shutdownHook());
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook runs anyway
            }
        }

        @Override
        public String toString() {
            return "Apicurio Registry at " + url();
        }
    }
}
