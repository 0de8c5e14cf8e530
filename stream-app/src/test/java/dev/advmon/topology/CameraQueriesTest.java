package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.campaign.CameraDirectory;
import dev.advmon.campaign.CameraStatus;
import dev.advmon.campaign.CameraStatusSerde;
import dev.advmon.http.MonitorHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CameraQueries} over a real (RocksDB) camera store, answered by the real HTTP server: {@code /cameras?limit=N}
 * as the dashboard and the other instances ask for it.
 */
class CameraQueriesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path stateDir;

  private TopologyTestDriver driver;
  private KeyValueStore<String, CameraStatus> store;
  private final AtomicInteger storeReads = new AtomicInteger();
  private final AtomicLong clock = new AtomicLong(1_000_000);
  /** Which partitions this instance holds, as the monitor's client would say (a rebalance changes it). */
  private final java.util.concurrent.atomic.AtomicReference<Object> assignment =
      new java.util.concurrent.atomic.AtomicReference<>("partitions 0 and 1");
  private MonitorHttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MonitorTopology.CAMERA_STORE),
        Serdes.String(), new CameraStatusSerde()));
    builder.stream("unused", Consumed.with(Serdes.String(), Serdes.String()))
        .process(() -> new Processor<String, String, Void, Void>() {
          @Override
          public void process(Record<String, String> record) {}
        }, MonitorTopology.CAMERA_STORE);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "camera-queries-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(builder.build(), props);
    store = driver.getKeyValueStore(MonitorTopology.CAMERA_STORE);
    CameraQueries queries = new CameraQueries(() -> new CountingStore(store, storeReads), clock::get,
        assignment::get);
    server = new MonitorHttpServer("127.0.0.1", 0, () -> KafkaStreams.State.RUNNING, () -> "", queries);
  }

  @AfterEach
  void stop() {
    server.close();
    driver.close();
  }

  private static CameraStatus normal(String id) {
    return new CameraStatus(id, CameraStatus.NORMAL, 1_000, 10, 0, 0, 50, 1, 0, 0, -1, 60, 1);
  }

  private static CameraStatus attacked(String id) {
    return new CameraStatus(id, CameraStatus.CAMPAIGN, 1_000, 10, 8, 0, 50, 40, 2, 0, 0, 60, 48);
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /**
   * An instance stopping (a scale-down's SIGTERM) is PENDING_SHUTDOWN, then NOT_RUNNING, while its HTTP port still
   * answers: Kafka Streams then refuses a store with a plain IllegalStateException, not the InvalidStateStoreException
   * of a rebalance, and /cameras answered 500 with a stack trace in the log, which the other instances' /cameras and
   * dashboards showed as "answered HTTP 500". Seen walking a scale-down of three `monitor run` instances.
   */
  @Test
  void aStoppedClientsCamerasAreUnavailableNotAServerError() throws Exception {
    KafkaStreams stopped = new KafkaStreams(dev.advmon.testing.UnstartedStreams.topology(),
        dev.advmon.testing.UnstartedStreams.properties("camera-queries-stopped", stateDir.resolve("stopped"), 1));
    stopped.close();
    assertThat(stopped.state()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
    CameraQueries queries = new CameraQueries(() -> stopped);
    try (MonitorHttpServer stopping = new MonitorHttpServer("127.0.0.1", 0, stopped::state, () -> "", queries)) {
      for (String path : new String[] {"/cameras", "/cameras?scope=local", "/cameras?limit=5", "/cameras/cam-1"}) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + stopping.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(503);
        assertThat(JSON.readTree(r.body()).path("error").asText()).as(path)
            .contains("not available while Kafka Streams is NOT_RUNNING; this instance is stopping: ask another");
      }
    }
  }

  /**
   * During a rebalance (every scale-out and scale-in) Kafka Streams refuses the store as queried by default, and every
   * instance's /cameras answered no cameras for 4 to 6 s: the dashboard's table flickered to empty. The stores it still
   * holds (restoring, or of tasks that stay) are read with enableStaleStores() meanwhile, and the answer says they may
   * be stale. A client that refuses those too (stopping) still answers 503 (the test above).
   */
  @Test
  void whileRebalancingTheCamerasAreReadFromStoresThatMayBeStaleAndTheAnswerSaysSo() throws Exception {
    store.put("cam-1", normal("cam-1"));
    store.put("cam-2", attacked("cam-2"));
    List<StoreQueryParameters<?>> asked = new ArrayList<>();
    KafkaStreams rebalancing = rebalancing(asked);
    try (CameraQueries queries = new CameraQueries(() -> rebalancing);
        MonitorHttpServer moving = new MonitorHttpServer("127.0.0.1", 0, rebalancing::state, () -> "", queries)) {
      // ?scope=local as a peer of this version asks it (an older one, without the header, gets the 503 as before)
      for (String path : new String[] {"/cameras", "/cameras?scope=local", "/cameras?limit=5"}) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + moving.port() + path)).header(dev.advmon.http.Peers.READS_STALE, "yes")
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("cameras")).as(path).hasSize(2);
        assertThat(body.path("stale").asText()).as(path).contains("REBALANCING").contains("may be stale");
      }
      assertThat(asked).anyMatch(StoreQueryParameters::staleStoresEnabled);
    } finally {
      rebalancing.close();
    }
  }

  /**
   * An instance whose threads hold no task (more instances than partitions: walked with two instances over one
   * partition) is refused the store for as long as it runs, and answered "Kafka Streams is RUNNING, but its stream
   * threads are still taking up the partitions of the last rebalance; retry in a few seconds" for good: its peers
   * listed it as missing and every merged /cameras said complete: false. It holds no camera, and says so.
   */
  @Test
  void anInstanceWhoseThreadsHoldNoTaskListsNoCameraInsteadOfBeingUnavailable() throws Exception {
    HostInfo self = new HostInfo("127.0.0.1", 7001);
    // the group's metadata names the other instance for the camera store's one partition, and this one for none; an
    // instance without an application.server finds itself in no metadata
    KafkaStreams idle = holdingNoTask(List.of(hosting(self),
        hosting(new HostInfo("127.0.0.1", 7002), MonitorTopology.CAMERA_STORE)), "camera-queries-idle");
    try {
      for (java.util.Optional<HostInfo> advertised : List.of(java.util.Optional.of(self),
          java.util.Optional.<HostInfo>empty())) {
        try (CameraQueries queries = new CameraQueries(() -> idle, advertised);
            MonitorHttpServer spare = new MonitorHttpServer("127.0.0.1", 0, idle::state, () -> "", queries)) {
          for (String path : new String[] {"/cameras", "/cameras?scope=local", "/cameras?limit=5"}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + spare.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(advertised + " " + path + ": " + r.body()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("cameras")).as(path).isEmpty();
          }
          assertThat(http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + spare.port() + "/cameras/cam-1")).build(),
              HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        }
      }
    } finally {
      idle.close();
    }
  }

  /**
   * The gap of a scale-out (walked with two `./monitor run` instances over four partitions): for 0.3-0.4 s after the
   * first of the two rebalances of cooperative rebalancing, the new instance is RUNNING with no task yet, while the old
   * one has already handed over the three partitions the group's metadata now names the new one for. The new instance
   * answered "0 cameras" as a current answer, and the merged /cameras on both instances listed 1 of 4 cameras with
   * complete: true. An instance the metadata names for partitions of the camera store does not hold "none": it is
   * still taking them up, and says so (503), so that a merged answer is complete: false.
   */
  @Test
  void anInstanceWithNoTaskYetThatTheGroupNamesForCameraPartitionsIsUnavailableNotEmpty() throws Exception {
    HostInfo self = new HostInfo("127.0.0.1", 7001);
    KafkaStreams joining = holdingNoTask(List.of(hosting(self, MonitorTopology.CAMERA_STORE),
        hosting(new HostInfo("127.0.0.1", 7002), MonitorTopology.CAMERA_STORE)), "camera-queries-joining");
    try (CameraQueries queries = new CameraQueries(() -> joining, java.util.Optional.of(self));
        MonitorHttpServer joined = new MonitorHttpServer("127.0.0.1", 0, joining::state, () -> "", queries)) {
      // the instance that kept one camera (this test's store) merges: one camera of the group's, not complete
      store.put("cam-kept", normal("cam-kept"));
      try (MonitorHttpServer kept = new MonitorHttpServer(dev.advmon.http.HttpSettings.loopback("127.0.0.1", 0),
          dev.advmon.health.HealthCheck.ofState(() -> KafkaStreams.State.RUNNING), () -> "",
          new CameraQueries(() -> store, clock::get, assignment::get), null, null,
          // 60 s: the joining instance answers (503), and its answer is what is checked; 2 s could run out on a loaded
          // machine and turn it into "no answer"
          new dev.advmon.http.Peers(new HostInfo("127.0.0.1", 7002),
              () -> List.of(new HostInfo("127.0.0.1", joined.port())), java.time.Duration.ofSeconds(60), null))) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + kept.port() + "/cameras")).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode merged = JSON.readTree(r.body());
        assertThat(merged.path("cameras")).as(r.body()).hasSize(1);
        assertThat(merged.path("complete").asBoolean()).as(r.body()).isFalse();
        assertThat(merged.path("instances").get(1).path("error").asText()).as(r.body())
            .contains("answered HTTP 503").contains("still taking up the partitions of the last rebalance");
      }
      // asked itself
      for (String path : new String[] {"/cameras", "/cameras?scope=local", "/cameras?limit=5", "/cameras/cam-1"}) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + joined.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(503);
        assertThat(JSON.readTree(r.body()).path("error").asText()).as(path)
            .contains("still taking up the partitions of the last rebalance");
      }
    } finally {
      joining.close();
    }
  }

  /** Active camera-store partitions of {@code host} in the group's metadata: {@code stores} its active stores. */
  private static StreamsMetadata hosting(HostInfo host, String... stores) {
    return new org.apache.kafka.streams.state.internals.StreamsMetadataImpl(host, java.util.Set.of(stores),
        java.util.Set.of(), java.util.Set.of(), java.util.Set.of());
  }

  /**
   * A RUNNING client whose one thread is RUNNING with no task, the group's metadata being {@code group}; as Kafka
   * Streams does, it hands out the store and refuses it on use.
   */
  private KafkaStreams holdingNoTask(List<StreamsMetadata> group, String applicationId) {
    return new KafkaStreams(dev.advmon.testing.UnstartedStreams.topology(),
        dev.advmon.testing.UnstartedStreams.properties(applicationId, stateDir.resolve(applicationId), 1)) {
      @Override
      public State state() {
        return State.RUNNING;
      }

      @Override
      @SuppressWarnings("unchecked")
      public <T> T store(StoreQueryParameters<T> parameters) {
        return (T) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {org.apache.kafka.streams.state.ReadOnlyKeyValueStore.class}, (proxy, method, args) -> {
              throw new org.apache.kafka.streams.errors.InvalidStateStoreException(
                  "The state store, cameras, may have migrated to another instance.");
            });
      }

      @Override
      public java.util.Set<org.apache.kafka.streams.ThreadMetadata> metadataForLocalThreads() {
        return java.util.Set.of(new org.apache.kafka.streams.processor.internals.ThreadMetadataImpl("t-1", "RUNNING",
            "c", "r", "p", "a", java.util.Set.of(), java.util.Set.of()));
      }

      @Override
      public java.util.Collection<StreamsMetadata> metadataForAllStreamsClients() {
        return group;
      }
    };
  }

  /** A client in REBALANCING that refuses the store except with stale stores enabled, which it answers from the test's. */
  private KafkaStreams rebalancing(List<StoreQueryParameters<?>> asked) {
    return new KafkaStreams(dev.advmon.testing.UnstartedStreams.topology(),
        dev.advmon.testing.UnstartedStreams.properties("camera-queries-rebalancing", stateDir.resolve("r"), 1)) {
      @Override
      public State state() {
        return State.REBALANCING;
      }

      @Override
      @SuppressWarnings("unchecked")
      public <T> T store(StoreQueryParameters<T> parameters) {
        asked.add(parameters);
        if (!parameters.staleStoresEnabled()) {
          throw new org.apache.kafka.streams.errors.InvalidStateStoreException(
              "Cannot get state store cameras because the stream thread is PARTITIONS_ASSIGNED, not RUNNING");
        }
        return (T) store;
      }
    };
  }

  /**
   * Walking a scale-down with three `./monitor run` instances, a remaining instance's stores read with stale stores
   * enabled held no camera for 3 to 4 s (its tasks were being moved), and it answered "0 cameras, may be stale": read
   * as "this instance holds none", where it held three a second before. A stale reading with no camera says nothing:
   * the instance answers as before the stale reading, 503 naming the state.
   */
  @Test
  void aStaleReadingWithoutAnyCameraIsNotTakenForAnInstanceThatHoldsNone() throws Exception {
    KafkaStreams rebalancing = rebalancing(new ArrayList<>());
    try (CameraQueries queries = new CameraQueries(() -> rebalancing);
        MonitorHttpServer moving = new MonitorHttpServer("127.0.0.1", 0, rebalancing::state, () -> "", queries)) {
      for (String path : new String[] {"/cameras", "/cameras?scope=local", "/cameras?limit=5"}) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + moving.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(503);
        assertThat(JSON.readTree(r.body()).path("error").asText()).as(path)
            .contains("not available while Kafka Streams is REBALANCING; retry in a few seconds");
      }
    } finally {
      rebalancing.close();
    }
  }

  @Test
  void theLimitedListingRanksEveryCameraOfTheStoreNotOnlyTheFirstTenThousandByIdAndCountsThemAll() throws Exception {
    int quiet = CameraDirectory.MAX_LISTED + 50;
    for (int i = 0; i < quiet; i++) {
      String id = String.format("cam-%05d", i);
      store.put(id, normal(id));
    }
    store.put("zz-attacked", attacked("zz-attacked")); // sorts after every other id

    for (String path : new String[] {"/cameras?limit=5", "/cameras?scope=local&limit=5"}) {
      JsonNode body = get(path);
      assertThat(body.path("cameras").get(0).path("cameraId").asText()).as(path).isEqualTo("zz-attacked");
      assertThat(body.path("cameras")).as(path).hasSize(5);
      assertThat(body.path("known").asInt()).as(path).isEqualTo(quiet + 1);
    }
  }

  @Test
  void limitedListingsAskedWithinOneSecondShareOneReadOfTheStore() throws Exception {
    store.put("cam-a", normal("cam-a"));
    store.put("cam-b", attacked("cam-b"));

    JsonNode first = get("/cameras?limit=200");
    get("/cameras?limit=200");
    JsonNode narrower = get("/cameras?limit=1");
    get("/cameras?scope=local&limit=200"); // another instance asking
    assertThat(storeReads.get()).isEqualTo(1);
    assertThat(first.path("known").asInt()).isEqualTo(2);
    assertThat(first.path("cameras").get(0).path("cameraId").asText()).isEqualTo("cam-b");
    assertThat(narrower.path("cameras")).hasSize(1);
    assertThat(narrower.path("cameras").get(0).path("cameraId").asText()).isEqualTo("cam-b");

    store.put("cam-c", attacked("cam-c"));
    assertThat(get("/cameras?limit=200").path("known").asInt()).as("up to a second old").isEqualTo(2);
    clock.addAndGet(1_000);
    JsonNode later = get("/cameras?limit=200");
    assertThat(storeReads.get()).isEqualTo(2);
    assertThat(later.path("known").asInt()).isEqualTo(3);
    assertThat(later.path("cameras").get(0).path("cameraId").asText()).isEqualTo("cam-b");
    assertThat(later.path("cameras").get(1).path("cameraId").asText()).isEqualTo("cam-c");
  }

  @Test
  void aRebalanceOrARestartEndsTheSharingAtOnceSoThatCamerasThatMovedAwayAreNotListed() throws Exception {
    store.put("cam-a", normal("cam-a"));
    store.put("cam-moves", attacked("cam-moves"));
    assertThat(get("/cameras?limit=200").path("known").asInt()).isEqualTo(2);

    // a rebalance moves cam-moves's partition to another instance, well within the sharing period
    store.delete("cam-moves");
    assignment.set("partition 0");
    JsonNode after = get("/cameras?limit=200");
    assertThat(storeReads.get()).isEqualTo(2);
    assertThat(after.path("known").asInt()).isEqualTo(1);
    assertThat(after.path("cameras").get(0).path("cameraId").asText()).isEqualTo("cam-a");
  }

  /** Background readings, run when the test says so. */
  private final List<Runnable> background = new ArrayList<>();

  private CameraQueries refreshedByTheTest() {
    return new CameraQueries(() -> new CountingStore(store, storeReads), clock::get, assignment::get, background::add,
        () -> {});
  }

  @Test
  void aQuestionAskedWhenTheReadingIsDueAgainGetsThePreviousReadingAtOnceAndStartsOneReadingInTheBackground() {
    CameraQueries queries = refreshedByTheTest();
    store.put("cam-a", normal("cam-a"));
    assertThat(queries.top(200).known()).as("no reading yet: read by the question").isEqualTo(1);
    assertThat(storeReads.get()).isEqualTo(1);
    assertThat(background).isEmpty();

    store.put("cam-b", attacked("cam-b"));
    clock.addAndGet(750); // three quarters of the 1 s period: due again, still answering
    CameraDirectory.Top due = queries.top(200);
    CameraDirectory.Top meanwhile = queries.top(1);

    assertThat(due.known()).as("the previous reading").isEqualTo(1);
    assertThat(meanwhile.known()).isEqualTo(1);
    assertThat(storeReads.get()).as("no question read the store").isEqualTo(1);
    assertThat(background).as("one background reading for both questions").hasSize(1);

    background.get(0).run();
    assertThat(storeReads.get()).isEqualTo(2);
    CameraDirectory.Top after = queries.top(200);
    assertThat(after.known()).isEqualTo(2);
    assertThat(after.cameras().get(0).cameraId()).isEqualTo("cam-b");
    assertThat(storeReads.get()).as("the new reading is shared").isEqualTo(2);
    assertThat(background).hasSize(1);
  }

  @Test
  void aReadingPastItsPeriodIsNotAnsweredButReadByTheQuestionSoThatNoAnswerIsOlderThanTheReadme() {
    CameraQueries queries = refreshedByTheTest();
    store.put("cam-a", normal("cam-a"));
    queries.top(200);
    store.put("cam-b", normal("cam-b"));
    clock.addAndGet(1_000);

    assertThat(queries.top(200).known()).isEqualTo(2);
    assertThat(storeReads.get()).isEqualTo(2);
    assertThat(background).isEmpty();
  }

  @Test
  void aBackgroundReadingFromBeforeARebalanceIsNotKeptOverTheOneReadAfterIt() {
    CameraQueries queries = refreshedByTheTest();
    store.put("cam-a", normal("cam-a"));
    store.put("cam-moves", attacked("cam-moves"));
    queries.top(200);
    clock.addAndGet(750);
    queries.top(200); // starts a background reading, not yet run
    assertThat(background).hasSize(1);

    store.delete("cam-moves");
    assignment.set("partition 0");
    assertThat(queries.top(200).known()).as("read by the question after the rebalance").isEqualTo(1);
    store.put("cam-moves", attacked("cam-moves")); // what the old reading would have seen
    background.get(0).run();

    CameraDirectory.Top after = queries.top(200);
    assertThat(after.known()).isEqualTo(1);
    assertThat(after.cameras().get(0).cameraId()).isEqualTo("cam-a");
  }

  @Test
  void theFullListingAndOneCameraStillReadTheStoreEachTime() throws Exception {
    store.put("cam-a", normal("cam-a"));
    get("/cameras?limit=200");
    store.put("cam-b", normal("cam-b"));
    assertThat(get("/cameras").path("cameras")).hasSize(2);
    assertThat(get("/cameras/cam-b").path("cameraId").asText()).isEqualTo("cam-b");
  }

  /**
   * A background reading that fails otherwise than by the store going away (a RocksDB error) reached the thread's
   * uncaught-exception handler, which logs that the thread has ended, though the executor goes on with a new one.
   */
  @Test
  void aBackgroundReadingThatFailsIsLoggedByItselfAndTheNextDueQuestionReadsAgain() {
    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
    CameraQueries queries = new CameraQueries(() -> broken.get() ? new BrokenStore()
        : new CountingStore(store, storeReads), clock::get, assignment::get, background::add, () -> {});
    store.put("cam-a", normal("cam-a"));
    queries.top(200);
    broken.set(true);
    clock.addAndGet(750);
    assertThat(queries.top(200).known()).as("the previous reading answers").isEqualTo(1);
    assertThat(background).hasSize(1);

    assertThatCode(() -> background.get(0).run()).as("the failure stays in the reading").doesNotThrowAnyException();

    broken.set(false);
    clock.addAndGet(100);
    assertThat(queries.top(200).known()).as("still the previous reading, within its period").isEqualTo(1);
    assertThat(background).as("a new background reading once the failed one ended").hasSize(2);
  }

  /** A store whose listing fails as a RocksDB error would. */
  private static final class BrokenStore implements ReadOnlyKeyValueStore<String, CameraStatus> {
    @Override
    public CameraStatus get(String key) {
      return null;
    }

    @Override
    public KeyValueIterator<String, CameraStatus> range(String from, String to) {
      throw new IllegalStateException("RocksDB: an I/O error");
    }

    @Override
    public KeyValueIterator<String, CameraStatus> all() {
      throw new IllegalStateException("RocksDB: an I/O error");
    }

    @Override
    public long approximateNumEntries() {
      return 0;
    }
  }

  /** The real store, counting the listings read from it. */
  private record CountingStore(ReadOnlyKeyValueStore<String, CameraStatus> store, AtomicInteger reads)
      implements ReadOnlyKeyValueStore<String, CameraStatus> {
    @Override
    public CameraStatus get(String key) {
      return store.get(key);
    }

    @Override
    public KeyValueIterator<String, CameraStatus> range(String from, String to) {
      reads.incrementAndGet();
      return store.range(from, to);
    }

    @Override
    public KeyValueIterator<String, CameraStatus> all() {
      reads.incrementAndGet();
      return store.all();
    }

    @Override
    public long approximateNumEntries() {
      return store.approximateNumEntries();
    }
  }
}
