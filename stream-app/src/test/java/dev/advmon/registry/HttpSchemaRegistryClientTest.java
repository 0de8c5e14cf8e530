package dev.advmon.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.schema.Frame;
import dev.advmon.schema.FrameVerdict;
import dev.advmon.testing.LogLines;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpSchemaRegistryClientTest {

  private FakeRegistryServer server;

  @BeforeEach
  void start() throws IOException {
    server = new FakeRegistryServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static RegistrySettings.Builder fast(String urls) {
    return RegistrySettings.builder(urls)
        .maxRetries(3)
        .initialBackoff(Duration.ofMillis(1))
        .maxBackoff(Duration.ofMillis(5))
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5));
  }

  private HttpSchemaRegistryClient client() {
    return new HttpSchemaRegistryClient(fast(server.url()).build());
  }

  @Test
  void registersLooksUpAndFetchesById() {
    HttpSchemaRegistryClient client = client();

    int id = client.register("frames-value", Frame.getClassSchema());

    assertThat(id).isPositive();
    assertThat(client().idOf("frames-value", Frame.getClassSchema())).isEqualTo(id);
    assertThat(client().byId(id)).isEqualTo(Frame.getClassSchema());
    FakeRegistryServer.Request first = server.requests.get(0);
    assertThat(first.method()).isEqualTo("POST");
    assertThat(first.path()).isEqualTo("/subjects/frames-value/versions");
    assertThat(first.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    assertThat(first.body()).startsWith("{\"schema\":");
    assertThat(server.count("POST", "/subjects/frames-value")).isEqualTo(2);
  }

  @Test
  void aRecheckForgetsAWrittenIdThatARegistryWhichLostItsDataGaveToAnotherSchema() {
    HttpSchemaRegistryClient writer = client();
    int before = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    server.forgetEverything(); // restarted in memory: ids start again at 1
    int other = client().register("frames-value", Frame.getClassSchema());
    assertThat(other).as("the precondition: the id now names another schema").isEqualTo(before);

    List<LostSchemaId> lost = writer.recheck(Duration.ofSeconds(5));

    assertThat(lost).singleElement().asString().contains("schema id " + before, "frames-verdicts-value",
        "names another schema now (" + Frame.getClassSchema().getFullName() + ")");
    assertThat(writer.forgottenIds()).isEqualTo(1);
    server.requests.clear();
    int after = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    assertThat(server.count("POST", "/subjects/frames-verdicts-value/versions")).as("registered again").isEqualTo(1);
    assertThat(after).isNotEqualTo(before);
    assertThat(client().byId(after)).isEqualTo(FrameVerdict.getClassSchema());
  }

  @Test
  void aSerializerWritesWithTheNewIdOnceARecheckForgotTheOldOne() {
    HttpSchemaRegistryClient registry = client();
    AvroSerializer<Frame> serializer = new AvroSerializer<>(registry, false, true);
    Frame frame = AvroSerdeTest.frame("f-1");
    int before = WireFormat.schemaId(serializer.serialize("frames", frame));
    server.forgetEverything();
    client().register("other-value", FrameVerdict.getClassSchema()); // takes the old id
    assertThat(WireFormat.schemaId(serializer.serialize("frames", frame)))
        .as("until a recheck, the cached (now wrong) id").isEqualTo(before);

    assertThat(registry.recheck(Duration.ofSeconds(5))).hasSize(1);

    byte[] after = serializer.serialize("frames", frame);
    int id = WireFormat.schemaId(after);
    assertThat(id).isNotEqualTo(before);
    assertThat(client().byId(id)).as("the id written now names the frame's schema")
        .isEqualTo(PortableSchema.of(Frame.getClassSchema()));
  }

  @Test
  void aRecheckForgetsAWrittenIdTheRegistryNoLongerKnows() {
    HttpSchemaRegistryClient writer = client();
    int before = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    server.forgetEverything();

    assertThat(writer.recheck(Duration.ofSeconds(5))).as("once could be a replica that has not caught up").isEmpty();
    assertThat(writer.recheck(Duration.ofSeconds(5))).singleElement().asString()
        .contains("schema id " + before, "is unknown to the registry now");
    assertThatThrownBy(() -> writer.idOf("frames-verdicts-value", FrameVerdict.getClassSchema()))
        .as("asked again, not answered from the cache: the registry has it no more")
        .isInstanceOf(SchemaNotFoundException.class);
  }

  @Test
  void aReplicaThatHasNotCaughtUpDoesNotLoseAWrittenIdThatTheNextUrlKnows() throws IOException {
    try (FakeRegistryServer behind = new FakeRegistryServer()) { // a replica that stopped following: knows no id
      behind.failures.add(503); // the registration goes on to the next URL, which then answers everything
      HttpSchemaRegistryClient writer = new HttpSchemaRegistryClient(fast(behind.url() + "," + server.url()).build());
      int id = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
      assertThat(client().byId(id)).as("the precondition: the registry has it")
          .isEqualTo(FrameVerdict.getClassSchema());
      server.failures.add(503); // one answer lost: send() goes on to the replica, which is then asked first
      writer.compatibility("frames-verdicts-value");

      for (int i = 0; i < 3; i++) {
        assertThat(writer.recheck(Duration.ofSeconds(5))).as("recheck %d: a URL knows the id", i + 1).isEmpty();
      }
      assertThat(writer.forgottenIds()).isZero();
      assertThat(behind.count("GET", "/schemas/ids/")).as("the precondition: the replica was asked").isPositive();
    }
  }

  @Test
  void aHangingFirstUrlCostsARecheckOneRequestTimeoutNotOnePerId() throws Exception {
    try (HangingServer hanging = new HangingServer()) { // a registry stopped with SIGSTOP, listed first
      HttpSchemaRegistryClient writer = new HttpSchemaRegistryClient(fast(hanging.url() + "," + server.url())
          .maxRetries(0).requestTimeout(Duration.ofMillis(500)).build());
      for (int i = 0; i < 5; i++) {
        writer.register("s" + i + "-value", org.apache.avro.SchemaBuilder.record("R" + i).fields()
            .requiredInt("x" + i).endRecord());
      }
      int before = hanging.accepted();

      assertThat(writer.recheck(Duration.ofMillis(500))).isEmpty();
      assertThat(hanging.accepted() - before).as("every id known at the URL that answered last: asked there first")
          .isZero();

    }
  }

  /**
   * Two silent URLs that spend the call's deadline before the third is asked: the third read "not tried: the call's
   * deadline had passed", told beside the others' failures as if it had timed out too. Now it says what spent it.
   */
  @Test
  void aUrlTheCallsDeadlineLeftUntriedSaysTheOtherUrlsSpentIt() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String third = "http://127.0.0.1:" + closed;
    try (HangingServer a = new HangingServer(); HangingServer b = new HangingServer()) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(a.url() + "," + b.url() + "," + third)
          .maxRetries(0).callDeadline(Duration.ofMillis(600)).build());

      assertThatThrownBy(() -> client.register("s-value", org.apache.avro.SchemaBuilder.record("R").fields()
          .requiredInt("x").endRecord()))
          .isInstanceOfSatisfying(RegistryUnavailableException.class, e -> assertThat(e.failures())
              .containsEntry(third, "not tried: the call's deadline was spent on the other URLs"));
    }
  }

  /**
   * A call asks from the URL that last answered: with the second URL preferred and silent with the third, the first,
   * left untried, read "the call's deadline was spent on the URLs before it", though none comes before it in
   * registry.url. Now "on the other URLs".
   */
  @Test
  void aUrlListedFirstThatTheDeadlineLeftUntriedIsNotSaidToComeAfterTheOthers() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String first = "http://127.0.0.1:" + closed;
    try (Gateway second = new Gateway(server.url()); HangingServer third = new HangingServer()) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(first + "," + second.url() + ","
          + third.url()).maxRetries(0).callDeadline(Duration.ofSeconds(10)).build()); // 5 s a request: what is
      // checked is words, and the first call's proxied answer must come in time (a loaded machine's took over 300 ms)
      client.register("a-value", org.apache.avro.SchemaBuilder.record("A").fields().requiredInt("a").endRecord());
      second.hang.set(true); // the first refused, the second answered: the next call asks the second first

      assertThatThrownBy(() -> client.register("b-value", org.apache.avro.SchemaBuilder.record("B").fields()
          .requiredInt("b").endRecord()))
          .isInstanceOfSatisfying(RegistryUnavailableException.class, e -> assertThat(e.failures())
              .containsEntry(first, "not tried: the call's deadline was spent on the other URLs"));
    }
  }

  @Test
  void aPreferredUrlThatStartsHangingCostsARecheckOneRequestTimeoutNotOnePerId() throws Exception {
    try (Gateway first = new Gateway(server.url())) { // answers, until it hangs as a registry stopped with SIGSTOP
      // 5 s, not less: what is checked is counted (how often the hanging URL is asked), and a shorter timeout failed
      // the answering URL's own answers on a loaded machine (a 500 ms one did, in setup and in the recheck), each
      // such miss sending the next id to the hanging URL too
      Duration timeout = Duration.ofSeconds(5);
      HttpSchemaRegistryClient writer = new HttpSchemaRegistryClient(fast(first.url() + "," + server.url())
          .maxRetries(0).requestTimeout(timeout).build());
      for (int i = 0; i < 5; i++) {
        writer.register("s" + i + "-value", org.apache.avro.SchemaBuilder.record("R" + i).fields()
            .requiredInt("x" + i).endRecord());
      }
      first.hang.set(true); // the serdes have every schema cached: nothing moves the client off the first URL

      assertThat(writer.recheck(timeout)).isEmpty();
      assertThat(first.hung.get()).as("the hanging URL is asked for the first id, then asked last for "
          + HttpSchemaRegistryClient.UNREACHABLE_REST + ": the next URL answers for the other 4").isEqualTo(1);
      assertThat(writer.recheck(timeout)).isEmpty();
      assertThat(first.hung.get()).as("nor for any id of the next recheck").isEqualTo(1);
    }
  }

  @Test
  void aHealthProbeThatMissesTheRegistryOnceDoesNotSendFrameLookupsToAReplicaBehind() throws IOException {
    try (FakeRegistryServer behind = new FakeRegistryServer()) { // a replica that stopped following: knows no id
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(server.url() + "," + behind.url()).build());
      assertThat(reader.byId(client().register("frames-verdicts-value", FrameVerdict.getClassSchema())))
          .isEqualTo(FrameVerdict.getClassSchema());
      server.failures.add(503); // one probe answer lost: the ping goes on to the replica, which answers it
      reader.ping(Duration.ofSeconds(2));

      int written = client().register("frames-value", Frame.getClassSchema()); // a camera's, at the registry
      assertThat(reader.byId(written)).as("fetched where it was before the probe, not from the replica, whose 404 "
          + "would dead-letter the frame").isEqualTo(Frame.getClassSchema());
    }
  }

  @Test
  void aFrameWhoseIdAReplicaBehindDoesNotKnowIsReadFromTheUrlThatDoes() throws IOException {
    try (FakeRegistryServer behind = new FakeRegistryServer()) { // a replica that stopped following, listed first
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(behind.url() + "," + server.url()).build());
      int written = client().register("frames-value", Frame.getClassSchema()); // a camera's, at the registry

      assertThat(reader.byId(written)).as("not dead-lettered on the replica's 404: the other URL knows the id")
          .isEqualTo(Frame.getClassSchema());
      assertThat(behind.count("GET", "/schemas/ids/")).as("the precondition: the replica was asked first")
          .isPositive();
      assertThatThrownBy(() -> reader.byId(written + 100)).as("an id no URL knows is still unknown")
          .isInstanceOf(SchemaNotFoundException.class);
    }
  }

  @Test
  void afterAReplicaBehindAnswered404ForAKnownIdTheNextIdsAreAskedFirstWhereItWasFound() throws IOException {
    try (FakeRegistryServer behind = new FakeRegistryServer()) { // a replica that stopped following, listed first
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(behind.url() + "," + server.url()).build());
      assertThat(reader.byId(client().register("frames-value", Frame.getClassSchema())))
          .isEqualTo(Frame.getClassSchema());
      long asked = behind.count("GET", "/schemas/ids/");

      for (int i = 0; i < 3; i++) { // new schemas of cameras, written at the registry while the replica lags
        int id = client().register("cam" + i + "-value", org.apache.avro.SchemaBuilder.record("C" + i).fields()
            .requiredInt("x" + i).endRecord());
        assertThat(reader.byId(id)).isNotNull();
      }
      assertThat(behind.count("GET", "/schemas/ids/") - asked).as("the URL that knew an id the replica did not is "
          + "the one asked first: else every new id costs a request to the replica and its 404").isZero();
    }
  }

  @Test
  void withoutAutoRegisterASubjectThatAReplicaBehindDoesNotKnowIsFoundAtTheUrlThatDoes() throws IOException {
    try (FakeRegistryServer behind = new FakeRegistryServer()) { // a replica that stopped following, listed first
      int registered = client().register("frames-verdicts-value", FrameVerdict.getClassSchema()); // by the operator
      HttpSchemaRegistryClient monitor = new HttpSchemaRegistryClient(fast(behind.url() + "," + server.url()).build());

      assertThat(monitor.idOf("frames-verdicts-value", FrameVerdict.getClassSchema()))
          .as("not 'register it first', which stops the start-up: the other URL has it").isEqualTo(registered);
      assertThat(behind.count("POST", "/subjects/")).as("the precondition: the replica was asked first").isPositive();
      assertThatThrownBy(() -> monitor.idOf("absent-value", Frame.getClassSchema()))
          .as("a subject no URL knows is still unknown").isInstanceOf(SchemaNotFoundException.class)
          .hasMessageContaining("register it first");
    }
  }

  /**
   * The request timeout (registry.timeout-ms, 10 s by default) was not held against the call deadline (two thirds
   * of the transaction timeout): with a deadline shorter than it, a hanging first URL took the whole deadline and
   * the URL that answers was never asked.
   */
  @Test
  void aHangingFirstUrlLeavesTheNextUrlHalfTheCallDeadline() throws Exception {
    int id = new HttpSchemaRegistryClient(fast(server.url()).build()).register("frames-value", Frame.getClassSchema());
    try (HangingServer hanging = new HangingServer()) { // a registry stopped with SIGSTOP, listed first
      // 10 s for each URL: with a deadline of 2 s the answering URL had about 1 s, little on a loaded CI machine. A
      // client that lets the first URL take the whole deadline (the request timeout, 60 s, is longer) still fails.
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(hanging.url() + "," + server.url())
          .maxRetries(0).requestTimeout(Duration.ofSeconds(60)).callDeadline(Duration.ofSeconds(20)).build());

      assertThat(reader.byId(id)).as("the second URL asked within the deadline").isEqualTo(Frame.getClassSchema());
      assertThat(hanging.accepted()).as("the precondition: the hanging URL was asked first").isEqualTo(1);
    }
  }

  @Test
  void askingTheOtherUrlsAboutAFramesUnknownIdKeepsToTheCallDeadlineTogetherWithTheFirstAsking() throws Exception {
    try (HangingServer hanging = new HangingServer()) { // a registry stopped with SIGSTOP, listed first
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(hanging.url() + "," + server.url())
          .maxRetries(0).requestTimeout(Duration.ofSeconds(2)).callDeadline(Duration.ofSeconds(3)).build());

      long t0 = System.nanoTime();
      assertThatThrownBy(() -> reader.byId(999)).isInstanceOf(SchemaNotFoundException.class);
      // the first asking: 2 s at the hanging URL, then the other's 404; asking the others again within a fresh
      // deadline would spend another 2 s there: 4 s, past the deadline and near the transaction's timeout
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the call deadline, as every call on a stream "
          + "thread inside a transaction").isLessThan(Duration.ofMillis(3500));
    }
  }

  @Test
  void framesWithIdsNoUrlKnowsCostNoRequestTimeoutEachWhileAnotherUrlHangs() throws Exception {
    try (HangingServer hanging = new HangingServer()) { // a replica stopped with SIGSTOP, listed second
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(server.url() + "," + hanging.url())
          .maxRetries(0).requestTimeout(Duration.ofMillis(500)).build());

      for (int id = 1000; id < 1005; id++) { // corrupt frames: random ids, each new to the negative cache
        int unknown = id;
        assertThatThrownBy(() -> reader.byId(unknown)).isInstanceOf(SchemaNotFoundException.class);
      }
      assertThat(hanging.accepted()).as("asked for the first id only, then resting: a stream thread is not held "
          + "a request timeout for every frame with an id nobody knows").isEqualTo(1);
      assertThat(server.count("GET", "/schemas/ids/")).as("and the URL that answered 404 is not asked twice")
          .isEqualTo(5);
    }
  }

  @Test
  void anotherUrlRefusingTheCredentialsDoesNotTurnAFramesUnknownIdIntoAFatalError() throws Exception {
    try (FakeRegistryServer strict = new FakeRegistryServer()) { // a second URL that wants other credentials
      strict.requiredAuthorization = "Basic b3RoZXI6b3RoZXI=";
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(fast(server.url() + "," + strict.url())
          .build());

      assertThatThrownBy(() -> reader.byId(999)).as("the first URL's 404 stands: dead-lettered, the monitor goes on")
          .isInstanceOf(SchemaNotFoundException.class);
    }
  }

  @Test
  void aUrlThatMissedOneAnswerIsStillAskedBeforeTheReplicasFourOFourIsFinal() throws Exception {
    try (Gateway first = new Gateway(server.url()); FakeRegistryServer behind = new FakeRegistryServer()) {
      HttpSchemaRegistryClient writer = new HttpSchemaRegistryClient(fast(first.url() + "," + behind.url())
          .requestTimeout(Duration.ofMillis(500)).build());
      int id = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
      first.hang.set(true);
      writer.ping(Duration.ofMillis(500)); // one probe not answered; the replica answers it
      first.hang.set(false); // back at once, within UNREACHABLE_REST

      for (int i = 0; i < 2; i++) {
        assertThat(writer.recheck(Duration.ofSeconds(5))).as("recheck %d: the first URL knows the id", i + 1)
            .isEmpty();
      }
      assertThat(writer.forgottenIds()).as("id %d was never lost", id).isZero();
      assertThat(behind.count("GET", "/schemas/ids/")).as("the precondition: the replica was asked first").isPositive();
    }
  }

  @Test
  void aPingDoesNotMissARegistryThatIsBackBecauseTheOtherUrlFailsNow() throws Exception {
    try (Gateway first = new Gateway(server.url()); FakeRegistryServer other = new FakeRegistryServer()) {
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(first.url() + "," + other.url()).build());
      first.hang.set(true);
      c.ping(Duration.ofMillis(500)); // the first does not answer; the other does
      first.hang.set(false);
      other.failures.add(503); // now the other one is restarting

      c.ping(Duration.ofSeconds(2)); // throws RegistryUnavailableException when the first URL is left out
      assertThat(server.count("GET", "/config")).as("asked the first URL, which answered").isEqualTo(1);
    }
  }

  @Test
  void aRecheckKeepsIdsThatStillNameTheirSchemasAndAReadIdTheRegistryNoLongerKnows() {
    HttpSchemaRegistryClient writer = client();
    int written = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    int read = client().register("frames-value", Frame.getClassSchema());
    HttpSchemaRegistryClient both = client();
    both.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    assertThat(both.byId(read)).isEqualTo(Frame.getClassSchema());

    assertThat(both.recheck(Duration.ofSeconds(5))).as("every written id holds").isEmpty();
    assertThat(both.forgottenIds()).isZero();
    server.forgetEverything();
    server.requests.clear();
    assertThat(both.recheck(Duration.ofSeconds(5))).isEmpty();
    assertThat(both.recheck(Duration.ofSeconds(5))).singleElement().satisfies(lost -> {
      assertThat(lost.toString()).contains("schema id " + written);
      assertThat(lost.heldAtMs()).as("when the first recheck found it right").isPositive();
    });
    assertThat(server.count("GET", "/schemas/ids/")).as("the written id and the read one, twice").isEqualTo(4);
    server.requests.clear();
    assertThat(both.byId(read)).as("a read id no other schema has keeps its schema: its records were written with it")
        .isEqualTo(Frame.getClassSchema());
    assertThat(server.requests).isEmpty();
  }

  @Test
  void aRecheckForgetsAReadIdThatNowNamesAnotherSchemaAndTheDeserializerReadsWithThatOne() throws Exception {
    HttpSchemaRegistryClient reader = client();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    byte[] written = new AvroSerializer<Frame>(client(), false, true).serialize("frames", AvroSerdeTest.frame("f-1"));
    int before = WireFormat.schemaId(written);
    assertThat(deserializer.deserialize("frames", written).getFrameId()).isEqualTo("f-1");
    server.forgetEverything();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes()); // an older producer's
    assertThat(now).as("the precondition: the id now names another schema").isEqualTo(before);
    byte[] afterTheLoss = AvroSerdeTest.oldFrame(now, "f-2");

    assertThat(reader.recheck(Duration.ofSeconds(5))).singleElement().satisfies(lost -> {
      assertThat(lost.written()).isFalse();
      assertThat(lost.toString()).contains("schema id " + before, "read from records", "names another schema now");
    });

    assertThat(deserializer.deserialize("frames", afterTheLoss).getFrameId())
        .as("read with the schema the id names now, not the one cached before the loss").isEqualTo("f-2");
  }

  @Test
  void aProducerThatStillWritesWithTheIdItCachedBeforeTheLossIsStillReadOnceARecheckForgotThatId() throws Exception {
    HttpSchemaRegistryClient reader = client();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    // a camera that does not restart: like Confluent's serializer, it keeps its id for the process's life
    AvroSerializer<Frame> camera = new AvroSerializer<>(client(), false, true);
    int before = WireFormat.schemaId(camera.serialize("frames", AvroSerdeTest.frame("f-1")));
    assertThat(deserializer.deserialize("frames", camera.serialize("frames", AvroSerdeTest.frame("f-1"))).getFrameId())
        .isEqualTo("f-1");
    server.forgetEverything();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes()); // a camera that restarted
    assertThat(now).as("the precondition: the id now names another schema").isEqualTo(before);
    assertThat(reader.recheck(Duration.ofSeconds(5))).hasSize(1);

    assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "f-2")).getFrameId())
        .as("the restarted camera's frame, with the schema the id names now").isEqualTo("f-2");
    byte[] stillOld = camera.serialize("frames", AvroSerdeTest.frame("f-3"));
    assertThat(WireFormat.schemaId(stillOld)).as("the precondition: the same id, with the schema before")
        .isEqualTo(now);
    assertThat(deserializer.deserialize("frames", stillOld).getFrameId())
        .as("the camera that did not restart, with the schema the id named before").isEqualTo("f-3");
  }

  @Test
  void aProducerThatStillWritesWithTheIdItCachedBeforeTheLossIsStillReadOnceAFailedDecodeAskedAgain() throws Exception {
    HttpSchemaRegistryClient reader = client();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    AvroSerializer<Frame> camera = new AvroSerializer<>(client(), false, true);
    assertThat(deserializer.deserialize("frames", camera.serialize("frames", AvroSerdeTest.frame("f-1"))).getFrameId())
        .isEqualTo("f-1");
    server.forgetEverything();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes());
    assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "f-2")).getFrameId())
        .as("asked again: read with the schema the id names now").isEqualTo("f-2");
    assertThat(reader.forgottenIds()).as("the precondition: the cached schema was forgotten").isEqualTo(1);

    for (int i = 3; i < 6; i++) {
      assertThat(deserializer.deserialize("frames", camera.serialize("frames", AvroSerdeTest.frame("f-" + i)))
          .getFrameId()).as("the camera that did not restart").isEqualTo("f-" + i);
      assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "g-" + i)).getFrameId())
          .as("the camera that restarted").isEqualTo("g-" + i);
    }
  }

  @Test
  void aRecordIsReadWithTheSchemaAnotherThreadFoundTheIdNamesNowWhileItsOwnDecodeFailed() throws Exception {
    // two stream threads, records of a camera that restarted after the registry lost its data: the other thread asks
    // again first and caches the schema the id names now, between this thread's failed decode (with the schema the id
    // named before) and its own askAgain, which then has nothing to ask (asked a moment ago, fetched within the call).
    // The record decodes with what the cache holds now, and was dead-lettered.
    HttpSchemaRegistryClient reader = client();
    AvroSerializer<Frame> camera = new AvroSerializer<>(client(), false, true);
    java.util.concurrent.atomic.AtomicBoolean otherThreadFirst = new java.util.concurrent.atomic.AtomicBoolean(true);
    SchemaRegistry racing = (SchemaRegistry) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {SchemaRegistry.class}, (proxy, method, args) -> {
          if (method.getName().equals("askAgain") && otherThreadFirst.getAndSet(false)) {
            java.util.concurrent.CompletableFuture.supplyAsync(() -> reader.askAgain((Integer) args[0])).get();
          }
          try {
            return method.invoke(reader, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, racing);
    assertThat(deserializer.deserialize("frames", camera.serialize("frames", AvroSerdeTest.frame("f-1"))).getFrameId())
        .isEqualTo("f-1");
    server.forgetEverything();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes());

    assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "f-2")).getFrameId())
        .as("read with the schema the other thread cached").isEqualTo("f-2");
    assertThat(otherThreadFirst).as("the precondition: the other thread asked first").isFalse();
    assertThat(reader.forgottenIds()).isEqualTo(1);
  }

  @Test
  void aRecheckRacingAFailedDecodeThatForgotTheSameIdForgetsNothingMore() throws Exception {
    java.util.concurrent.atomic.AtomicReference<String> schemaOfId1 =
        new java.util.concurrent.atomic.AtomicReference<>(Frame.getClassSchema().toString());
    java.util.concurrent.atomic.AtomicReference<Runnable> beforeNextAnswer =
        new java.util.concurrent.atomic.AtomicReference<>();
    com.sun.net.httpserver.HttpServer registry = answering(ex -> {
      try (ex) {
        Runnable hook = beforeNextAnswer.getAndSet(null);
        if (hook != null) {
          hook.run(); // while the recheck waits for this answer
        }
        byte[] body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("schema",
            schemaOfId1.get()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
    });
    try {
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(
          fast("http://127.0.0.1:" + registry.getAddress().getPort()).build());
      AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
      byte[] camera = new AvroSerializer<Frame>(new InMemorySchemaRegistry(), false, true)
          .serialize("frames", AvroSerdeTest.frame("f-1"));
      WireFormat.writeHeader(camera, 1); // a camera that did not restart, writing with id 1 as before the loss
      assertThat(deserializer.deserialize("frames", camera).getFrameId()).isEqualTo("f-1");
      schemaOfId1.set(AvroSerdeTest.frameWithoutAttributes().toString()); // the loss: id 1 names another schema now
      java.util.concurrent.atomic.AtomicReference<Object> racing = new java.util.concurrent.atomic.AtomicReference<>();
      beforeNextAnswer.set(() -> { // a restarted camera's frame fails to decode while the recheck runs, and asks again
        try {
          racing.set(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(1, "f-2")).getFrameId().toString());
        } catch (Exception | AssertionError e) {
          racing.set(e);
        }
      });

      List<LostSchemaId> lost = reader.recheck(Duration.ofSeconds(5));

      assertThat(racing.get()).as("the precondition: the racing frame asked again and read").isEqualTo("f-2");
      assertThat(lost).as("already forgotten, and said so, by the frame that asked again").isEmpty();
      assertThat(reader.forgottenIds()).as("one id forgotten once").isEqualTo(1);
      assertThat(deserializer.deserialize("frames", camera).getFrameId())
          .as("the camera that did not restart: the schema id 1 named before is still the second choice")
          .isEqualTo("f-1");
    } finally {
      registry.stop(0);
    }
  }

  @Test
  void aRecordThatDoesNotDecodeWithTheCachedSchemaIsReadAgainWithTheSchemaItsIdNamesNow() throws Exception {
    HttpSchemaRegistryClient reader = client();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    byte[] written = new AvroSerializer<Frame>(client(), false, true).serialize("frames", AvroSerdeTest.frame("f-1"));
    deserializer.deserialize("frames", written);
    server.forgetEverything();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes());
    assertThat(now).as("the precondition: the id now names another schema").isEqualTo(WireFormat.schemaId(written));

    try (LogLines log = LogLines.of(HttpSchemaRegistryClient.class)) {
      assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "f-2")).getFrameId())
          .as("no recheck ran: the failed decode asked again").isEqualTo("f-2");
      assertThat(log.messages()).singleElement().asString().contains("schema id " + now, "names another schema now");
    }
    assertThat(reader.forgottenIds()).isEqualTo(1);
  }

  /** A reader whose calls have a deadline of 2 s, against a registry that takes 1.8 s to answer each id. */
  private HttpSchemaRegistryClient readerOfASlowRegistry() {
    server.idAnswerDelayMs = 1800;
    return new HttpSchemaRegistryClient(RegistrySettings.builder(server.url()).maxRetries(0)
        .requestTimeout(Duration.ofSeconds(10)).callDeadline(Duration.ofMillis(2000)).build());
  }

  @Test
  void aRecordThatDoesNotDecodeWithTheSchemaJustFetchedForItKeepsToOneCallDeadline() {
    byte[] written = new AvroSerializer<Frame>(client(), false, true).serialize("frames", AvroSerdeTest.frame("f-1"));
    byte[] corrupt = java.util.Arrays.copyOf(written, written.length - 3); // an id not cached yet, a cut body
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, readerOfASlowRegistry());

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> deserializer.deserialize("frames", corrupt)).isInstanceOf(AvroDecodeException.class);
    // byId and then askAgain about the id it had just fetched, each with a deadline of its own: 3.6 s, past the
    // transaction timeout the deadline is two thirds of. The second request is what the count below tells apart (the
    // bound had a second of slack for a loaded CI machine); the time bound is for a call that hangs
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("one call deadline for the record")
        .isLessThan(Duration.ofSeconds(30));
    assertThat(server.count("GET", "/schemas/ids/")).as("the id just fetched is not asked again").isEqualTo(1);
  }

  @Test
  void askingAgainAndReadingWithTheSchemaTheIdNamesNowKeepToOneCallDeadline() throws Exception {
    byte[] written = new AvroSerializer<Frame>(client(), false, true).serialize("frames", AvroSerdeTest.frame("f-1"));
    HttpSchemaRegistryClient reader = readerOfASlowRegistry();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    assertThat(deserializer.deserialize("frames", written).getFrameId()).isEqualTo("f-1"); // the id cached
    server.forgetEverything();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes());
    assertThat(now).as("the precondition: the id now names another schema").isEqualTo(WireFormat.schemaId(written));
    server.requests.clear();

    long t0 = System.nanoTime();
    assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "f-2")).getFrameId()).isEqualTo("f-2");
    // askAgain and then byId fetching the same answer again, each with a deadline of its own: 3.6 s. The second
    // request is what the count below tells apart (the bound had a second of slack for a loaded CI machine); the
    // time bound is for a call that hangs
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("one call deadline for the record")
        .isLessThan(Duration.ofSeconds(30));
    assertThat(server.count("GET", "/schemas/ids/")).as("the answer asking again got is the one read with")
        .isEqualTo(1);
  }

  @Test
  void corruptRecordsWithAValidIdCostOneRequestPerIdAWhileNotOneEach() {
    HttpSchemaRegistryClient reader = client();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    byte[] written = new AvroSerializer<Frame>(client(), false, true).serialize("frames", AvroSerdeTest.frame("f-1"));
    deserializer.deserialize("frames", written);
    byte[] corrupt = java.util.Arrays.copyOf(written, written.length - 3); // the same id, a cut body
    server.requests.clear();

    for (int i = 0; i < 20; i++) {
      assertThatThrownBy(() -> deserializer.deserialize("frames", corrupt)).isInstanceOf(AvroDecodeException.class);
    }

    assertThat(server.count("GET", "/schemas/ids/")).as("asked again once, in " + HttpSchemaRegistryClient
        .ASK_AGAIN_EVERY).isEqualTo(1);
    assertThat(reader.forgottenIds()).as("the id still names the same schema: nothing forgotten").isZero();
  }

  @Test
  void aHugeFirstBackoffIsCappedNotWrappedWhenDoubled() {
    // a Kafka client configuring the serde itself is not held to registry.retry-backoff-ms's bound
    HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(server.url())
        .initialBackoff(Duration.ofMillis(Long.MAX_VALUE / 2)).maxBackoff(Duration.ofMillis(5)).build());
    server.failures.add(503);
    server.failures.add(503);
    server.failures.add(503);

    assertThat(c.register("frames-verdicts-value", FrameVerdict.getClassSchema())).as("registered on the fourth try")
        .isPositive();
  }

  @Test
  void aRecheckThatTheRegistryDoesNotAnswerForgetsNothing() {
    HttpSchemaRegistryClient writer = client();
    int id = writer.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    server.forgetEverything();
    server.failures.add(503);

    assertThatThrownBy(() -> writer.recheck(Duration.ofSeconds(5))).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("503");
    assertThat(writer.forgottenIds()).isZero();
    server.requests.clear();
    assertThat(writer.register("frames-verdicts-value", FrameVerdict.getClassSchema())).isEqualTo(id);
    assertThat(server.requests).as("still cached").isEmpty();
  }

  @Test
  void aSpurious409AlreadyExistsFromRacingRegistrationsIsAskedOnceMoreNotTakenForAnIncompatibility() {
    // what Apicurio 2.4 answered when a camera's frame schema and the monitor's dead letters' were registered at once
    server.registerAnswersOnce.add(Map.entry(409, FakeRegistryServer.error(409,
        "An artifact with ID 'dlq-value' in group 'null' already exists.")));

    int id = client().register("dlq-value", FrameVerdict.getClassSchema());

    assertThat(client().byId(id)).isEqualTo(FrameVerdict.getClassSchema());
    assertThat(server.count("POST", "/subjects/dlq-value/versions")).isEqualTo(2);
    server.registerAnswersOnce.add(Map.entry(409, FakeRegistryServer.error(409,
        "Schema being registered is incompatible with an earlier schema")));
    assertThatThrownBy(() -> client().register("dlq-value", Frame.getClassSchema()))
        .as("a real incompatibility is still refused at once").isInstanceOf(SchemaRegistrationException.class);
  }

  @Test
  void latestReturnsTheNewestVersion() {
    HttpSchemaRegistryClient client = client();
    client.register("s", Frame.getClassSchema());
    int second = client.register("s", FrameVerdict.getClassSchema());

    RegisteredSchema latest = client().latest("s");

    assertThat(latest).isEqualTo(new RegisteredSchema("s", 2, second, FrameVerdict.getClassSchema()));
    assertThatThrownBy(() -> client.latest("nothing-here")).isInstanceOf(SchemaNotFoundException.class)
        .hasMessageContaining("nothing-here");
  }

  @Test
  void cachesSoThatTheHotPathMakesNoHttpCall() {
    int id = client().register("frames-value", Frame.getClassSchema());
    HttpSchemaRegistryClient reader = client();
    HttpSchemaRegistryClient writer = client();
    server.requests.clear();

    reader.byId(id);
    reader.byId(id);
    writer.register("frames-value", Frame.getClassSchema());
    writer.register("frames-value", Frame.getClassSchema());
    writer.idOf("frames-value", Frame.getClassSchema());

    assertThat(server.count("GET", "/schemas/ids/")).isEqualTo(1);
    assertThat(server.count("POST", "/subjects/")).isEqualTo(1);
    assertThat(writer.byId(id)).as("a registered schema needs no fetch").isEqualTo(Frame.getClassSchema());
    assertThat(server.requests).hasSize(2);
  }

  @Test
  void retriesOn503ThenSucceeds() {
    int id = client().register("frames-value", Frame.getClassSchema());
    server.requests.clear();
    server.failures.add(503);
    server.failures.add(503);

    assertThat(client().byId(id)).isEqualTo(Frame.getClassSchema());
    assertThat(server.requests).hasSize(3);
  }

  @Test
  void retriesOn429() {
    server.failures.add(429);

    assertThat(client().register("frames-value", Frame.getClassSchema())).isPositive();
    assertThat(server.requests).hasSize(2);
  }

  @Test
  void retriesA408RequestTimeoutBecauseItIsTransientNotAnAnswer() {
    // A proxy or load balancer in front of the registry answers 408 when the registry is slow: not an answer about
    // the schema. Not retrying it dead-lettered the frame as REGISTRY_REQUEST_FAILED during a passing slowness.
    int id = client().register("frames-value", Frame.getClassSchema());
    server.requests.clear();
    server.failures.add(408);

    assertThat(client().byId(id)).isEqualTo(Frame.getClassSchema());
    assertThat(server.requests).hasSize(2);
  }

  @Test
  void doesNotRetryOn404AndSaysWhatToCheck() {
    assertThatThrownBy(() -> client().byId(42))
        .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
          assertThat(e.reason()).isEqualTo("UNKNOWN_SCHEMA");
          assertThat(e.schemaId()).hasValue(42);
        })
        .hasMessage("schema id 42 not found at " + server.url()
            + "; was the frame written against another registry, or its subject deleted permanently? Such frames"
            + " cannot be read: write them again with a schema registered there");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void lookupOfAnUnregisteredSchemaIsNotFoundWithTheSubject() {
    assertThatThrownBy(() -> client().idOf("frames-value", Frame.getClassSchema()))
        .isInstanceOfSatisfying(SchemaNotFoundException.class,
            e -> assertThat(e.subject()).hasValue("frames-value"))
        .hasMessageContaining("frames-value")
        .hasMessageContaining("auto.register.schemas");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void givesUpAfterMaxRetriesNamingUrlAndAttempts() {
    for (int i = 0; i < 10; i++) {
      server.failures.add(503);
    }
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(server.url()).maxRetries(2).build());

    assertThatThrownBy(() -> client.byId(1))
        .isInstanceOfSatisfying(RegistryUnavailableException.class, e -> {
          assertThat(e.attempts()).isEqualTo(3);
          assertThat(e.reason()).isEqualTo("REGISTRY_UNAVAILABLE");
        })
        .hasMessageContaining(server.url())
        .hasMessageContaining("after 3 attempt(s)")
        .hasMessageContaining("HTTP 503");
    assertThat(server.requests).hasSize(3);
  }

  @Test
  void connectionRefusedIsUnavailable() throws IOException {
    String dead = "http://127.0.0.1:" + freePort();
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(dead).maxRetries(1).build());

    assertThatThrownBy(() -> client.byId(1))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining(dead)
        .hasMessageContaining("after 2 attempt(s)");
  }

  @Test
  void aRefusedConnectionIsCalledThatWithItsHostAndPortInTheErrorsTheProbeAndTheRetryLines() throws IOException {
    int port = freePort();
    String dead = "http://127.0.0.1:" + port;
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(dead).maxRetries(1).build());
    String refused = "connection refused at 127.0.0.1:" + port;

    List<String> logged;
    try (LogLines lines = LogLines.of(HttpSchemaRegistryClient.class)) {
      assertThatThrownBy(() -> client.register("frames-value", Frame.getClassSchema()))
          .isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining("POST " + dead + "/subjects/frames-value/versions failed: " + refused)
          .hasMessageContaining("java.net.ConnectException") // the exception is still there for whoever debugs it
          .hasMessageNotContaining("failed: java.net.ConnectException");
      logged = lines.messages();
    }
    assertThat(logged).anySatisfy(line -> assertThat(line).contains(refused).contains("retrying in"));
    assertThatThrownBy(() -> client.ping(Duration.ofSeconds(2))) // the health probe's question
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("GET " + dead + "/config failed: " + refused);
  }

  @Test
  void failsOverToTheNextUrlAndStaysThere() throws IOException {
    String dead = "http://127.0.0.1:" + freePort();
    HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(dead + "," + server.url()).build());

    client.register("a-value", Frame.getClassSchema());
    client.register("b-value", Frame.getClassSchema());

    assertThat(server.requests).hasSize(2);
  }

  @Test
  void sendsBasicAuthUpFront() {
    server.requiredAuthorization = "Basic YWxpY2U6czNjcmV0"; // alice:s3cret
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(fast(server.url()).basicAuth("alice", "s3cret").build());

    assertThat(client.register("frames-value", Frame.getClassSchema())).isPositive();
    assertThat(server.requests).hasSize(1);
    assertThat(server.requests.get(0).authorization()).isEqualTo("Basic YWxpY2U6czNjcmV0");
  }

  @Test
  void wrongCredentialsAreNotRetriedAndPointAtTheSetting() {
    server.requiredAuthorization = "Basic YWxpY2U6czNjcmV0";
    HttpSchemaRegistryClient client =
        new HttpSchemaRegistryClient(fast(server.url()).basicAuth("alice", "wrong").build());

    assertThatThrownBy(() -> client.register("frames-value", Frame.getClassSchema()))
        .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.httpStatus()).isEqualTo(401))
        .hasMessageContaining("basic.auth.user.info");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void refusedCredentialsNameTheMonitorsOwnSettingAndWhetherAnyWereSent() {
    // `./monitor run` prints this message as it is at start-up: basic.auth.user.info alone is a key the operator's
    // file does not have (seen in a walk behind nginx's auth_basic)
    server.requiredAuthorization = "Basic YWxpY2U6czNjcmV0";
    HttpSchemaRegistryClient wrong =
        new HttpSchemaRegistryClient(fast(server.url()).basicAuth("alice", "wrong").build());
    HttpSchemaRegistryClient none = new HttpSchemaRegistryClient(fast(server.url()).build());

    assertThatThrownBy(() -> wrong.register("frames-value", Frame.getClassSchema()))
        .hasMessageContaining("registry.basic-auth.user-info (ADVMON_REGISTRY_BASIC_AUTH_USER_INFO)")
        .hasMessageContaining("the registry refused the user:password sent");
    assertThatThrownBy(() -> none.register("frames-value", Frame.getClassSchema()))
        .hasMessageContaining("no user:password was sent: set registry.basic-auth.user-info");
  }

  /**
   * A proxy's 401 page (nginx's auth_basic, seen in the TLS walk; a single sign-on page runs to kilobytes of markup
   * and script) was printed whole in the start-up's one-line error: its title says what it is, the markup nothing.
   */
  @Test
  void aProxysHtmlPageIsToldByItsTitleNotPrintedWhole() {
    server.requiredAuthorization = "Basic YWxpY2U6czNjcmV0";
    server.unauthorizedBody = "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n"
        + "<center><h1>401 Authorization Required</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n"
        + "<script>" + "var sso = 1;".repeat(500) + "</script>\r\n</body>\r\n</html>\r\n";
    HttpSchemaRegistryClient none = new HttpSchemaRegistryClient(fast(server.url()).build());

    assertThatThrownBy(() -> none.register("frames-value", Frame.getClassSchema()))
        .hasMessageContaining("(HTTP 401): an HTML page titled '401 Authorization Required'; no user:password")
        .hasMessageNotContaining("<center>").hasMessageNotContaining("var sso")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(500));
  }

  @Test
  void anHtmlPageWithoutATitleIsToldByItsTextBounded() {
    server.requiredAuthorization = "Basic YWxpY2U6czNjcmV0";
    server.unauthorizedBody = "<!DOCTYPE html><html><body><p>Sign in to " + "Example Corp ".repeat(100)
        + "</p></body></html>";
    HttpSchemaRegistryClient none = new HttpSchemaRegistryClient(fast(server.url()).build());

    assertThatThrownBy(() -> none.register("frames-value", Frame.getClassSchema()))
        .hasMessageContaining("(HTTP 401): an HTML page: 'Sign in to Example Corp Example Corp")
        .hasMessageNotContaining("<p>")
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(500));
  }

  @Test
  void incompatibleSchemaSurfacesTheRegistryMessageAndSubject() {
    server.registerStatus = 409;
    server.registerBody = FakeRegistryServer.error(409,
        "Schema being registered is incompatible with an earlier schema for subject \"frames-value\"");

    assertThatThrownBy(() -> client().register("frames-value", Frame.getClassSchema()))
        .isInstanceOfSatisfying(SchemaRegistrationException.class, e -> {
          assertThat(e.subject()).isEqualTo("frames-value");
          assertThat(e.httpStatus()).isEqualTo(409);
          assertThat(e.reason()).isEqualTo("SCHEMA_REJECTED");
        })
        .hasMessageContaining("Schema being registered is incompatible with an earlier schema")
        .hasMessageContaining("(error_code 409)");
    assertThat(server.requests).hasSize(1);
  }

  @Test
  void apicurioConflictWithErrorCodeZeroIsTheSameError() {
    server.registerStatus = 409;
    server.registerBody = FakeRegistryServer.error(0, "Incompatible artifact: frames-value");

    assertThatThrownBy(() -> client().register("frames-value", Frame.getClassSchema()))
        .isInstanceOf(SchemaRegistrationException.class)
        .hasMessageContaining("Incompatible artifact: frames-value")
        .hasMessageNotContaining("error_code");
  }

  @Test
  void worksUnderAnApiPathSuchAsApicuriosCcompat() throws IOException {
    try (FakeRegistryServer apicurio = new FakeRegistryServer("/apis/ccompat/v7")) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(fast(apicurio.url() + "/").build());

      int id = client.register("frames-value", Frame.getClassSchema());

      assertThat(new HttpSchemaRegistryClient(fast(apicurio.url()).build()).byId(id))
          .isEqualTo(Frame.getClassSchema());
    }
  }

  @Test
  void nonJsonAnswerSaysTheUrlMayBeWrong() throws IOException {
    server.registerStatus = 200;
    server.registerBody = "<html>proxy login</html>";

    assertThatThrownBy(() -> client().register("frames-value", Frame.getClassSchema()))
        .isInstanceOf(RegistryRequestException.class)
        .hasMessageContaining("not JSON")
        .hasMessageContaining("an HTML page: 'proxy login'");
  }

  @Test
  void aJson404ThatIsNotTheRegistrysNotFoundIsNoUnknownSchemaAndForgetsNothing() throws Exception {
    // what answers a path nobody serves: Apicurio without its /apis/ccompat/v7 (error_code 404), Apicurio's ccompat
    // for a wrong path (error_code 0), an API gateway with no route (Kong: a message only)
    for (String notFound : List.of(
        "{\"message\":\"RESTEASY003210: Could not find resource for full path\",\"error_code\":404}",
        "{\"message\":\"RESTEASY003210: Could not find resource for full path\",\"error_code\":0}",
        "{\"message\":\"no Route matched with those values\"}")) {
      try (Gateway gateway = new Gateway(server.url())) { // in front of the fake registry
        HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(gateway.url()).maxRetries(1).build());
        int id = c.register("frames-verdicts-value", FrameVerdict.getClassSchema());
        gateway.notFound.set(notFound);

        assertThatThrownBy(() -> c.byId(id + 1)).as(notFound).isInstanceOf(RegistryUnavailableException.class)
            .hasMessageContaining("registry.url does not point at its API root");
        if (!notFound.contains("error_code")) { // else the registry's own "no such path": see the test below
          assertThatThrownBy(() -> c.idOf("frames-value", Frame.getClassSchema())).as(notFound)
              .isInstanceOf(RegistryUnavailableException.class);
        }
        for (int i = 0; i < 2; i++) {
          assertThatThrownBy(() -> c.recheck(Duration.ofSeconds(2))).as(notFound)
              .isInstanceOf(RegistryUnavailableException.class);
        }
        assertThat(c.forgottenIds()).as("two rechecks answered so by a gateway forget nothing: %s", notFound).isZero();

        gateway.notFound.set(null);
        assertThatThrownBy(() -> c.byId(id + 1)).as("the registry's own 404 is still an unknown id: %s", notFound)
            .isInstanceOf(SchemaNotFoundException.class);
        assertThat(c.byId(id)).as("and the id the gateway's 404s were about still known").isEqualTo(
            FrameVerdict.getClassSchema());
      }
    }
  }

  @Test
  void registeringAtAUrlThatIsNotTheRegistrysApiRootSaysWhatToFixAtOnceInsteadOfRetrying() throws Exception {
    // the registry's own answer for a path it does not serve: Apicurio's root (registry.url without
    // /apis/ccompat/v7, checked with Apicurio 2.4.2), Apicurio's /apis/ccompat, Confluent's under another path
    for (String notServed : List.of(
        "{\"message\":\"RESTEASY003210: Could not find resource for full path\",\"error_code\":404,"
            + "\"detail\":\"NotFoundException\",\"name\":\"NotFoundException\"}",
        "{\"message\":\"RESTEASY003210: Could not find resource for full path\",\"error_code\":0}",
        "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}")) {
      java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
      com.sun.net.httpserver.HttpServer wrongPath = answering(notFound(notServed, asked));
      try {
        HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(wrongPath)).build());

        assertThatThrownBy(() -> c.register("frames-verdicts-value", FrameVerdict.getClassSchema())).as(notServed)
            .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.misconfigured())
                .as("the monitor stops with it: every call would get the same answer").isTrue())
            .hasMessageContaining("registry.url").hasMessageContaining("/apis/ccompat/v7")
            .hasMessageContaining("API root");
        assertThat(asked.get()).as("not retried: %s", notServed).isEqualTo(1);
        assertThatThrownBy(() -> c.idOf("frames-value", Frame.getClassSchema())).as("a lookup (registry.auto-register"
            + "=false) is no 'register it first' either: %s", notServed)
            .isInstanceOf(RegistryRequestException.class).hasMessageContaining("registry.url");
        assertThat(asked.get()).as("not retried: %s", notServed).isEqualTo(2);
      } finally {
        wrongPath.stop(0);
      }
    }
  }

  @Test
  void oneUrlAmongSeveralThatIsNotTheApiRootIsSkippedNotFatalAndNamedWhenNoOtherAnswers() throws Exception {
    String notServed = "{\"message\":\"RESTEASY003210: Could not find resource for full path\",\"error_code\":404}";
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpHandler notRoot = notFound(notServed, asked);
    com.sun.net.httpserver.HttpServer wrongPath = answering(notRoot);
    try {
      // a replica's URL without /apis/ccompat/v7 listed first: the start-up registers at the right one
      try (FakeRegistryServer right = new FakeRegistryServer()) {
        HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(wrongPath) + "," + right.url()).build());
        int id = c.register("frames-verdicts-value", FrameVerdict.getClassSchema());
        assertThat(c.idOf("frames-verdicts-value", FrameVerdict.getClassSchema())).isEqualTo(id);
        assertThat(asked.get()).as("asked once, then the URL that answered is asked first").isEqualTo(1);
        c.ping(Duration.ofSeconds(2));

        // the right one gone: the wrong one's JSON 404 for /config is no sign of a registry (health says so)
        right.close();
        assertThatThrownBy(() -> c.ping(Duration.ofSeconds(2))).isInstanceOf(RegistryUnavailableException.class);
        assertThat(asked.get()).as("the wrong URL is not asked again by the probe").isEqualTo(1);
      }

      // every URL not the API root: stopped at once, as with one URL
      com.sun.net.httpserver.HttpServer alsoWrong = answering(notRoot);
      try {
        HttpSchemaRegistryClient both = new HttpSchemaRegistryClient(fast(url(wrongPath) + "," + url(alsoWrong)).build());
        assertThatThrownBy(() -> both.register("frames-value", Frame.getClassSchema()))
            .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.misconfigured()).isTrue())
            .hasMessageContaining("registry.url").hasMessageContaining("API root");
      } finally {
        alsoWrong.stop(0);
      }

      // the other URL down: waited for (not fatal), and the wrong one is named in what the wait reports
      com.sun.net.httpserver.HttpServer down = answering(ex -> { });
      String downUrl = url(down);
      down.stop(0);
      HttpSchemaRegistryClient withDown = new HttpSchemaRegistryClient(
          fast(url(wrongPath) + "," + downUrl).maxRetries(1).build());
      assertThatThrownBy(() -> withDown.register("frames-value", Frame.getClassSchema()))
          .isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining(url(wrongPath) + " in registry.url is not the registry's API root");
    } finally {
      wrongPath.stop(0);
    }
  }

  @Test
  void serdeRoundTripsOverHttp() {
    AvroSerde<Frame> producer = AvroSerde.forClass(Frame.class, client(), fast(server.url()).build());
    AvroSerde<Frame> consumer = AvroSerde.forClass(Frame.class, client(), fast(server.url()).build());
    Frame frame = AvroSerdeTest.frame("f-1");

    byte[] bytes = producer.serializer().serialize("frames", frame);

    assertThat(consumer.deserializer().deserialize("frames", bytes)).isEqualTo(frame);
  }

  /** In front of a registry: passes requests on, or, while {@code hang} is set, answers none (counted in hung). */
  private static final class Gateway implements AutoCloseable {
    final java.util.concurrent.atomic.AtomicBoolean hang = new java.util.concurrent.atomic.AtomicBoolean();
    final java.util.concurrent.atomic.AtomicInteger hung = new java.util.concurrent.atomic.AtomicInteger();
    /** When set, every request is answered 404 with this JSON instead of forwarded (no route, a wrong path). */
    final java.util.concurrent.atomic.AtomicReference<String> notFound = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private final com.sun.net.httpserver.HttpServer http;

    Gateway(String target) throws IOException {
      java.net.http.HttpClient forward = java.net.http.HttpClient.newHttpClient();
      http = answering(ex -> {
        try (ex) {
          if (hang.get()) {
            hung.incrementAndGet();
            closed.await(); // until the test is over: the client gives up first
            return;
          }
          String answer = notFound.get();
          if (answer != null) {
            byte[] body = answer.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(404, body.length);
            ex.getResponseBody().write(body);
            return;
          }
          java.net.http.HttpResponse<byte[]> r = forward.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(target + ex.getRequestURI()))
                  .method(ex.getRequestMethod(), java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                      ex.getRequestBody().readAllBytes()))
                  .header("Content-Type", "application/vnd.schemaregistry.v1+json").build(),
              java.net.http.HttpResponse.BodyHandlers.ofByteArray());
          ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
          ex.getResponseBody().write(r.body());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    String url() {
      return HttpSchemaRegistryClientTest.url(http);
    }

    @Override
    public void close() {
      closed.countDown();
      http.stop(0);
    }
  }

  /** Accepts connections and never answers, as a registry stopped with SIGSTOP; counts the connections. */
  private static final class HangingServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0);
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    private final List<java.net.Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

    HangingServer() throws IOException {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            open.add(socket.accept());
            accepted.incrementAndGet();
          }
        } catch (IOException closed) {
          // the test is over
        }
      }, "hanging-registry");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    int accepted() {
      return accepted.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (java.net.Socket s : open) {
        s.close();
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void anUnknownSchemaIdIsAskedForOnceWhileItsAnswerIsRemembered() {
    HttpSchemaRegistryClient client = client();
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> client.byId(42)).isInstanceOf(SchemaNotFoundException.class)
          .hasMessageContaining("schema id 42 not found");
    }
    assertThat(server.count("GET", "/schemas/ids/42")).isEqualTo(1);

    HttpSchemaRegistryClient forgetful = new HttpSchemaRegistryClient(fast(server.url())
        .unknownIdCacheTtl(Duration.ZERO).build());
    assertThatThrownBy(() -> forgetful.byId(42)).isInstanceOf(SchemaNotFoundException.class);
    assertThatThrownBy(() -> forgetful.byId(42)).isInstanceOf(SchemaNotFoundException.class);
    assertThat(server.count("GET", "/schemas/ids/42")).isEqualTo(3);
  }

  @Test
  void aSchemaThatIsNotUsableAvroIsAskedForOnceAndRefusedEveryTime() throws Exception {
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer protobufOrBroken = answering(ex -> {
      asked.incrementAndGet();
      String body = ex.getRequestURI().getPath().endsWith("/7")
          ? "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\"; message Frame {}\"}"
          : "{\"schema\":\"{\\\"type\\\":\\\"record\\\"}\"}"; // a record without name or fields
      byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, bytes.length);
      try (var out = ex.getResponseBody()) {
        out.write(bytes);
      }
    });
    try {
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(protobufOrBroken)).build());
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(() -> c.byId(7)).isInstanceOf(AvroDecodeException.class)
            .hasMessageContaining("schema id 7").hasMessageContaining("PROTOBUF schema, not Avro");
        assertThatThrownBy(() -> c.byId(8)).isInstanceOf(AvroDecodeException.class)
            .hasMessageContaining("schema id 8").hasMessageContaining("not a valid Avro schema");
      }
      assertThat(asked).as("registry requests for two ids, five records each").hasValue(2);
    } finally {
      protobufOrBroken.stop(0);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
  private static final String ENCODING = "dev.advmon.schema.ImageEncoding";

  /** Frame's ImageEncoding enum, as registered under a subject of its own. */
  private static String encodingSchema() {
    return Frame.getClassSchema().getField("encoding").schema().toString();
  }

  /** Frame as a producer registers it with references: its encoding only named, and {@code extra} fields added. */
  private static String frameNamingEncoding(String... extraFieldTypes) throws IOException {
    var frame = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(Frame.getClassSchema().toString());
    for (var f : frame.get("fields")) {
      if (f.get("name").asText().equals("encoding")) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) f).put("type", ENCODING);
      }
    }
    for (int i = 0; i < extraFieldTypes.length; i++) {
      ((com.fasterxml.jackson.databind.node.ArrayNode) frame.get("fields")).addObject().put("name", "extra" + i)
          .putNull("default").putArray("type").add("null").add(extraFieldTypes[i]);
    }
    return frame.toString();
  }

  /** A registry's answer for a schema ({@code GET /schemas/ids/..} or a subject's version) with references. */
  private static String withReferences(String schema, String... nameSubjectVersion) {
    var answer = JSON.createObjectNode().put("schema", schema);
    var refs = answer.putArray("references");
    for (int i = 0; i < nameSubjectVersion.length; i += 3) {
      refs.addObject().put("name", nameSubjectVersion[i]).put("subject", nameSubjectVersion[i + 1])
          .put("version", Integer.parseInt(nameSubjectVersion[i + 2]));
    }
    return answer.toString();
  }

  @Test
  void aSchemaWithReferencesIsReadWithTheTypesItsReferencesDefineTheirOwnFirst() throws Exception {
    // as Confluent's serializer registers it: Frame names ImageEncoding and com.vendor.Lens, each its own subject,
    // and Lens names ImageEncoding too
    String lens = "{\"type\":\"record\",\"name\":\"Lens\",\"namespace\":\"com.vendor\",\"fields\":["
        + "{\"name\":\"preview\",\"type\":\"" + ENCODING + "\"}]}";
    server.getAnswers.put("/subjects/lens/versions/3", withReferences(lens, ENCODING, "image-encoding", "1"));
    server.getAnswers.put("/subjects/image-encoding/versions/1", withReferences(encodingSchema()));
    server.getAnswers.put("/schemas/ids/50", withReferences(frameNamingEncoding("com.vendor.Lens"),
        "com.vendor.Lens", "lens", "3", ENCODING, "image-encoding", "1"));
    server.getAnswers.put("/schemas/ids/51", withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "1"));
    HttpSchemaRegistryClient client = client();

    Schema schema = client.byId(50);

    assertThat(schema.getField("encoding").schema()).isEqualTo(Frame.getClassSchema().getField("encoding").schema());
    assertThat(schema.getField("extra0").schema().getTypes().get(1).getField("preview").schema().getFullName())
        .isEqualTo(ENCODING);
    var rec = new org.apache.avro.generic.GenericData.Record(schema);
    rec.put("frameId", "f-1");
    rec.put("cameraId", "cam-1");
    rec.put("captureTime", 1_000L);
    rec.put("encoding", new org.apache.avro.generic.GenericData.EnumSymbol(schema.getField("encoding").schema(), "GRAY8"));
    rec.put("image", java.nio.ByteBuffer.wrap(new byte[] {1}));
    rec.put("attributes", Map.of());
    byte[] written = AvroSerdeTest.write(50, schema, rec);
    assertThat(new AvroDeserializer<>(Frame.class, client).deserialize("frames", written).getEncoding())
        .isEqualTo(dev.advmon.schema.ImageEncoding.GRAY8);
    assertThat(client.byId(51).getField("encoding").schema().getType()).isEqualTo(Schema.Type.ENUM);
    assertThat(client.byId(50)).isSameAs(schema);
    assertThat(server.count("GET", "/schemas/ids/")).as("each id once").isEqualTo(2);
    assertThat(server.count("GET", "/subjects/image-encoding/versions/1"))
        .as("a subject's version once, however many schemas reference it").isEqualTo(1);
    assertThat(client.recheck(Duration.ofSeconds(5))).as("its references asked again, and the same").isEmpty();
  }

  @Test
  void aSchemaWhoseReferenceTheRegistryDoesNotHaveIsAnUnknownSchemaNamingTheReferenceAskedForOnceAWhile()
      throws Exception {
    server.getAnswers.put("/schemas/ids/60", withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "4"));
    HttpSchemaRegistryClient client = client();

    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> client.byId(60)).isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
        assertThat(e.getMessage()).contains("schema id 60", "'" + ENCODING + "' (subject 'image-encoding' version 4)",
            "does not have");
        assertThat(e.schemaId()).hasValue(60);
        assertThat(e.subject()).as("not one of the monitor's own subjects (that would stop the stream)").isEmpty();
      });
    }
    assertThat(server.count("GET", "/subjects/image-encoding/versions/4")).isEqualTo(1);
  }

  @Test
  void aSchemaWhoseReferencedVersionWasSoftDeletedIsStillReadAsConfluentsDeserializerReadsIt() throws Exception {
    // a producer's frames keep their id after its referenced version was soft-deleted (a subject's clean-up): the
    // registry still serves the id, and answers 404 for the version unless asked with ?deleted=true, as Confluent's
    // AbstractSchemaProvider asks when it reads a schema. Asked without it, every such frame was UNKNOWN_SCHEMA.
    server.getAnswers.put("/schemas/ids/65", withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "1"));
    server.getAnswers.put("/subjects/image-encoding/versions/1", withReferences(encodingSchema()));
    server.softDeleted.add("/subjects/image-encoding/versions/1");
    HttpSchemaRegistryClient client = client();

    assertThat(client.byId(65).getField("encoding").schema().getFullName()).isEqualTo(ENCODING);
    assertThat(client.recheck(Duration.ofSeconds(5))).as("and rechecked as the same schema").isEmpty();
  }

  @Test
  void aReferenceToTheLatestVersionIsReadAgainAsTheVersionItWasAtTheFirstReadNotAsALoss() throws Exception {
    // Confluent's serializer may store a reference with version -1, "latest": the id's schema is what latest was when
    // first read. Read again as latest once the subject has a new version, it looked like an id naming another schema
    // (the WARN that the registry lost its data, the id forgotten, every refusal cleared), once per new version.
    HttpSchemaRegistryClient writer = client();
    writer.register("image-encoding", new Schema.Parser().parse(encodingSchema()));
    server.getAnswers.put("/schemas/ids/90", withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "-1"));
    HttpSchemaRegistryClient client = client();
    Schema first = client.byId(90);
    var symbols = new java.util.ArrayList<>(first.getField("encoding").schema().getEnumSymbols());
    symbols.add("YUV420");
    writer.register("image-encoding", Schema.createEnum("ImageEncoding", null, "dev.advmon.schema", symbols));
    assertThat(writer.latest("image-encoding").version()).as("the precondition: a new version").isEqualTo(2);

    try (LogLines log = LogLines.of(HttpSchemaRegistryClient.class)) {
      assertThat(client.recheck(Duration.ofSeconds(5))).as("the id names what it named").isEmpty();
      assertThat(client.askAgain(90)).as("nor does asking again find another schema").isFalse();
      assertThat(log.messages()).as("no 'the registry lost its data'").isEmpty();
    }
    assertThat(client.forgottenIds()).isZero();
    assertThat(client.byId(90)).isSameAs(first);
  }

  @Test
  void aLossIsStillFoundWhenTheVersionALatestReferenceWasPinnedToIsGone() throws Exception {
    // the pin (the version latest was at the id's first read) must not hide a real loss: a registry that lost its data
    // numbers a subject's versions from 1 again, so the pinned version 2 answers 404, which read as "the id's reference
    // is unknown" (no other schema has it) while the id names another schema now
    HttpSchemaRegistryClient writer = client();
    Schema encoding = new Schema.Parser().parse(encodingSchema());
    writer.register("image-encoding", encoding);
    var symbols = new java.util.ArrayList<>(encoding.getEnumSymbols());
    symbols.add("YUV420");
    writer.register("image-encoding", Schema.createEnum("ImageEncoding", null, "dev.advmon.schema", symbols));
    server.getAnswers.put("/schemas/ids/91", withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "-1"));
    HttpSchemaRegistryClient client = client();
    Schema first = client.byId(91);
    HttpSchemaRegistryClient asking = client();
    asking.byId(91);

    server.forgetEverything();
    client().register("image-encoding", encoding);
    server.getAnswers.put("/schemas/ids/91",
        withReferences(frameNamingEncoding("string"), ENCODING, "image-encoding", "-1"));

    assertThat(client.recheck(Duration.ofSeconds(5))).as("a recheck finds the id names another schema")
        .singleElement().asString().contains("schema id 91", "names another schema now");
    assertThat(client.formerSchema(91)).isSameAs(first);
    assertThat(asking.askAgain(91)).as("and so does asking again").isTrue();
    assertThat(asking.byId(91).getField("extra0")).isNotNull();
  }

  @Test
  void aSubjectsLatestVersionAndItsReferencesKeepToOneCallDeadline() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    byte[] latest = JSON.createObjectNode().put("subject", "frames-value").put("version", 1).put("id", 70)
        .setAll((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
            withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "1")))
        .toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    com.sun.net.httpserver.HttpServer registry = answering(ex -> {
      try (ex) {
        if (ex.getRequestURI().getPath().endsWith("/versions/latest")) {
          Thread.sleep(4000); // a slow registry: most of the deadline spent on the subject's latest version
          ex.sendResponseHeaders(200, latest.length);
          ex.getResponseBody().write(latest);
        } else {
          release.await(30, java.util.concurrent.TimeUnit.SECONDS); // its reference hangs
          ex.sendResponseHeaders(503, -1);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistrySettings.builder(url(registry))
          .maxRetries(0).requestTimeout(Duration.ofSeconds(10)).callDeadline(Duration.ofMillis(6000)).build());

      long t0 = System.nanoTime();
      assertThatThrownBy(() -> client.latest("frames-value")).isInstanceOf(RegistryUnavailableException.class);
      // a fresh deadline for the references after the latest version's answer took 4000 ms + 6000 ms at least; one
      // deadline ends at 6000 ms. The bound lies between, 3 s above the one deadline for a loaded machine (it was
      // 1 s with a 1.5 s answer and a 2 s deadline)
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within one call deadline, as byId")
          .isLessThan(Duration.ofMillis(9000));
    } finally {
      release.countDown();
      registry.stop(0);
    }
  }

  @Test
  void referencesThatFormACycleOrGoTooDeepAreRefusedInsteadOfFollowedForEver() throws Exception {
    server.getAnswers.put("/subjects/a/versions/1", withReferences(encodingSchema(), "b.B", "b", "1"));
    server.getAnswers.put("/subjects/b/versions/1", withReferences(encodingSchema(), "a.A", "a", "1"));
    server.getAnswers.put("/schemas/ids/61", withReferences(frameNamingEncoding(), "a.A", "a", "1"));
    for (int i = 0; i < 50; i++) {
      server.getAnswers.put("/subjects/deep/versions/" + (i + 1), withReferences(encodingSchema(), "d", "deep",
          Integer.toString(i + 2)));
    }
    server.getAnswers.put("/schemas/ids/62", withReferences(frameNamingEncoding(), "d", "deep", "1"));
    HttpSchemaRegistryClient client = client();

    assertThatThrownBy(() -> client.byId(61)).isInstanceOf(AvroDecodeException.class)
        .hasMessageContaining("schema id 61").hasMessageContaining("cycle");
    assertThatThrownBy(() -> client.byId(62)).isInstanceOf(AvroDecodeException.class)
        .hasMessageContaining("schema id 62").hasMessageContaining("references more schemas than the monitor reads");
    assertThat(server.count("GET", "/subjects/deep/")).isEqualTo(HttpSchemaRegistryClient.MAX_REFERENCE_DEPTH);
  }

  @Test
  void aSchemaNamingATypeThatNeitherItNorItsReferencesDefineIsNotValidAvro() throws Exception {
    server.getAnswers.put("/schemas/ids/64", JSON.createObjectNode().put("schema", frameNamingEncoding()).toString());

    assertThatThrownBy(() -> client().byId(64)).as("BAD_AVRO, not an Avro exception the topology does not know")
        .isInstanceOf(AvroDecodeException.class).hasMessageContaining("schema id 64")
        .hasMessageContaining("not a valid Avro schema").hasMessageContaining(ENCODING);
  }

  @Test
  void aRegistryThatDoesNotAnswerForAReferenceIsUnavailableSoTheFrameWaitsAndIsReadOnceItAnswers() throws Exception {
    server.getAnswers.put("/schemas/ids/63", withReferences(frameNamingEncoding(), ENCODING, "image-encoding", "1"));
    server.getAnswers.put("/subjects/image-encoding/versions/1", withReferences(encodingSchema()));
    server.getFailures.put("/subjects/image-encoding/versions/1", 503);
    HttpSchemaRegistryClient client = client();

    assertThatThrownBy(() -> client.byId(63)).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("/subjects/image-encoding/versions/1");
    server.getFailures.clear();
    assertThat(client.byId(63).getField("encoding").schema().getFullName()).as("nothing refused was remembered")
        .isEqualTo(ENCODING);
  }

  @Test
  void anIdRefusedBeforeTheRegistryLostItsDataIsReadOnceTheLossIsFoundAndTheIdNamesAnAvroSchema() {
    HttpSchemaRegistryClient reader = client();
    int written = reader.register("frames-verdicts-value", FrameVerdict.getClassSchema());
    int refused = written + 1;
    server.getAnswers.put("/schemas/ids/" + refused, "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}");
    assertThatThrownBy(() -> reader.byId(refused)).isInstanceOf(AvroDecodeException.class);
    server.forgetEverything(); // an in-memory registry restarted: ids start again at 1
    server.getAnswers.clear();
    assertThat(client().register("frames-value", Frame.getClassSchema())).isEqualTo(written);
    assertThat(client().register("frames-verdicts-value", FrameVerdict.getClassSchema())).isEqualTo(refused);

    assertThat(reader.recheck(Duration.ofSeconds(5))).as("the precondition: the loss found").hasSize(1);

    assertThat(reader.byId(refused)).as("what the id names now, not the refusal remembered from before the loss")
        .isEqualTo(FrameVerdict.getClassSchema());
  }

  @Test
  void anIdRefusedBeforeTheRegistryLostItsDataIsReadOnceAFailedDecodeFoundTheLoss() throws Exception {
    HttpSchemaRegistryClient reader = client();
    AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
    byte[] before = new AvroSerializer<Frame>(client(), false, true).serialize("frames", AvroSerdeTest.frame("f-1"));
    assertThat(deserializer.deserialize("frames", before).getFrameId()).isEqualTo("f-1");
    int refused = WireFormat.schemaId(before) + 1;
    server.getAnswers.put("/schemas/ids/" + refused, "{\"schemaType\":\"JSON\",\"schema\":\"{}\"}");
    assertThatThrownBy(() -> reader.byId(refused)).isInstanceOf(AvroDecodeException.class);
    server.forgetEverything();
    server.getAnswers.clear();
    int now = client().register("frames-value", AvroSerdeTest.frameWithoutAttributes());
    assertThat(client().register("frames-verdicts-value", FrameVerdict.getClassSchema())).isEqualTo(refused);
    assertThat(deserializer.deserialize("frames", AvroSerdeTest.oldFrame(now, "f-2")).getFrameId())
        .as("the precondition: asked again, the loss found").isEqualTo("f-2");

    assertThat(reader.byId(refused)).isEqualTo(FrameVerdict.getClassSchema());
  }

  @Test
  void readsASubjectsCompatibilityOrTheRegistrysDefault() {
    HttpSchemaRegistryClient client = client();
    assertThat(client.compatibility("frames-value")).as("a registry that says nothing").isEmpty();
    server.globalCompatibility = "BACKWARD";
    assertThat(client.compatibility("frames-value")).hasValue("BACKWARD");
    server.subjectCompatibility.put("frames-value", "FULL_TRANSITIVE");
    assertThat(client.compatibility("frames-value")).hasValue("FULL_TRANSITIVE");
  }

  @Test
  void everyRetryIsLoggedWithWhatFailedAndWhatComesNext() {
    List<String> logged;
    try (LogLines lines = LogLines.of(HttpSchemaRegistryClient.class)) {
      server.failures.add(503);
      server.failures.add(503);
      assertThat(client().register("frames-value", Frame.getClassSchema())).isPositive();
      logged = lines.messages();
    }
    assertThat(logged).satisfiesExactly(
            first -> assertThat(first).contains("POST /subjects/frames-value/versions failed (attempt 1 of 4)")
                .contains("HTTP 503").contains("retrying in"),
            second -> assertThat(second).contains("(attempt 2 of 4)"),
            done -> assertThat(done).contains("answered").contains("after 3 attempts"));
  }

  @Test
  void aCallGivesUpAtItsDeadlineWhenTheRegistryHangs() throws Exception {
    // accepts connections and never answers: what a registry stopped with SIGSTOP looks like
    try (ServerSocket hanging = new ServerSocket(0)) {
      HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(RegistrySettings
          .builder("http://127.0.0.1:" + hanging.getLocalPort()).maxRetries(5).requestTimeout(Duration.ofSeconds(10))
          .callDeadline(Duration.ofMillis(800)).build());
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> client.byId(7)).isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining("timed out");
      // without the deadline: 6 attempts of 10 s; a generous bound that still tells the two apart
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  void askingAgainAfterAFailedDecodeKeepsToTheCallDeadlineWhenTheRegistryHangs() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean hang = new java.util.concurrent.atomic.AtomicBoolean();
    // requests for the second id that reached the hanging registry (its path names the id: a late request of the
    // first call, read by the server after that call ended, is not one of them)
    java.util.concurrent.atomic.AtomicInteger secondIdAsked = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger firstIdAsked = new java.util.concurrent.atomic.AtomicInteger();
    byte[] schema = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
        .put("schema", Frame.getClassSchema().toString()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    com.sun.net.httpserver.HttpServer registry = answering(ex -> { // every id names Frame, until it hangs
      try (ex) {
        if (hang.get()) {
          if (ex.getRequestURI().getPath().endsWith("/schemas/ids/2")) {
            secondIdAsked.incrementAndGet();
          } else if (ex.getRequestURI().getPath().endsWith("/schemas/ids/1")) {
            firstIdAsked.incrementAndGet();
          }
          release.await(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        ex.sendResponseHeaders(200, schema.length);
        ex.getResponseBody().write(schema);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      String url = "http://127.0.0.1:" + registry.getAddress().getPort();
      // three replicas, all hanging: three request timeouts would be 6 s, past the call deadline
      HttpSchemaRegistryClient reader = new HttpSchemaRegistryClient(RegistrySettings
          .builder(url + "," + url + "," + url).maxRetries(0).requestTimeout(Duration.ofSeconds(2)).callDeadline(Duration.ofMillis(1500)).build());
      AvroDeserializer<Frame> deserializer = new AvroDeserializer<>(Frame.class, reader);
      byte[] written = new AvroSerializer<Frame>(new InMemorySchemaRegistry(), false, true)
          .serialize("frames", AvroSerdeTest.frame("f-1"));
      byte[][] corrupt = new byte[2][];
      for (int id = 1; id <= 2; id++) {
        byte[] record = written.clone();
        WireFormat.writeHeader(record, id);
        // cached; read again should the first answer on a loaded machine take longer than a replica's 750 ms (seen
        // with the test pinned to one busy core)
        Frame read = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); read == null; ) {
          try {
            read = deserializer.deserialize("frames", record);
          } catch (RegistryUnavailableException slow) {
            if (System.nanoTime() - end > 0) {
              throw slow;
            }
          }
        }
        assertThat(read.getFrameId()).isEqualTo("f-1");
        corrupt[id - 1] = java.util.Arrays.copyOf(record, record.length - 3);
      }
      hang.set(true);

      long t0 = System.nanoTime();
      assertThatThrownBy(() -> deserializer.deserialize("frames", corrupt[0])).isInstanceOf(AvroDecodeException.class);
      // counted, not timed (a bound of 4 s on the 1.5 s deadline left a loaded machine 2.5 s): each replica gets half
      // the deadline (requestTimeoutInCall, 750 ms), so two fill it, and a third is asked only past it (each of 2 s,
      // or without a deadline)
      assertThat(firstIdAsked.get()).as("replicas asked again for the first id: within the call deadline, as every "
          + "call on a stream thread inside a transaction, two at most").isLessThanOrEqualTo(2);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the call deadline, as every call on a stream "
          + "thread inside a transaction").isLessThan(Duration.ofSeconds(30));
      long t1 = System.nanoTime();
      assertThatThrownBy(() -> deserializer.deserialize("frames", corrupt[1])).isInstanceOf(AvroDecodeException.class);
      // counted, not timed: asking again would end at the 1.5 s deadline, and a bound of 1 s left a loaded CI
      // machine half a second; the time bound is for a call that hangs
      assertThat(secondIdAsked.get()).as("a registry that just did not answer is not asked again for the next id at "
          + "once").isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - t1)).as("a registry that just did not answer is not asked "
          + "again for the next id at once").isLessThan(Duration.ofSeconds(30));
    } finally {
      release.countDown();
      registry.stop(0);
    }
  }

  @Test
  void aUrlThatIsNotTheApiRootIsNoAnswerToTheProbeEvenBeforeAnyRegistrationAskedIt() throws Exception {
    String notServed = "{\"message\":\"RESTEASY003210: Could not find resource for full path\",\"error_code\":404}";
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpServer wrongPath = answering(notFound(notServed, asked));
    try (FakeRegistryServer right = new FakeRegistryServer()) {
      // the right URL first: it serves the whole start-up, so the second is never asked to register
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(right.url() + "," + url(wrongPath)).build());
      c.register("frames-verdicts-value", FrameVerdict.getClassSchema());
      c.ping(Duration.ofSeconds(2));
      assertThat(asked.get()).isZero();

      right.close();
      assertThatThrownBy(() -> c.ping(Duration.ofSeconds(2))).isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining(url(wrongPath)).hasMessageContaining("not the registry's API root");
      assertThat(asked.get()).as("GET /config, then GET /subjects").isEqualTo(2);
    } finally {
      wrongPath.stop(0);
    }
  }

  @Test
  void aRegistryThatServesNoConfigAndFailsOnSubjectsIsReportedFailingNotAsAWrongRoot() throws Exception {
    com.sun.net.httpserver.HttpServer failing = answering(ex -> {
      try (ex) {
        boolean config = ex.getRequestURI().getPath().equals("/config");
        byte[] body = FakeRegistryServer.error(config ? 404 : 50001, config ? "HTTP 404 Not Found" : "store down")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(config ? 404 : 503, body.length);
        ex.getResponseBody().write(body);
      }
    });
    try {
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(failing)).build());
      assertThatThrownBy(() -> c.ping(Duration.ofSeconds(2))).isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining("/subjects answered HTTP 503").hasMessageNotContaining("API root");
    } finally {
      failing.stop(0);
    }
  }

  @Test
  void pingIsOneRequestAndTellsRefusedCredentialsFromAnUnreachableRegistry() {
    // a registry that does not serve /config (its JSON 404) is asked /subjects too, to tell it from a wrong root
    client().ping(Duration.ofSeconds(2));
    assertThat(server.requests).extracting(FakeRegistryServer.Request::path).containsExactly("/config", "/subjects");
    server.requests.clear();

    server.globalCompatibility = "BACKWARD";
    client().ping(Duration.ofSeconds(2));
    assertThat(server.requests).hasSize(1);
    assertThat(server.requests.get(0).path()).isEqualTo("/config");

    server.failures.add(503);
    assertThatThrownBy(() -> client().ping(Duration.ofSeconds(2))).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("HTTP 503");
    assertThat(server.requests).hasSize(2);

    server.requiredAuthorization = "Basic YWxpY2U6czNjcmV0";
    assertThatThrownBy(() -> client().ping(Duration.ofSeconds(2)))
        .isInstanceOfSatisfying(RegistryRequestException.class, e -> assertThat(e.authenticationFailed()).isTrue());
  }

  /** Answers every request with a JSON 404 of {@code json}, counting them. */
  private static com.sun.net.httpserver.HttpHandler notFound(String json,
      java.util.concurrent.atomic.AtomicInteger asked) {
    return ex -> {
      try (ex) {
        asked.incrementAndGet();
        byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(404, body.length);
        ex.getResponseBody().write(body);
      }
    };
  }

  /** A one-route JDK HTTP server for answers the fake registry does not give. */
  private static com.sun.net.httpserver.HttpServer answering(com.sun.net.httpserver.HttpHandler handler)
      throws IOException {
    com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/", handler);
    s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    s.start();
    return s;
  }

  private static String url(com.sun.net.httpserver.HttpServer s) {
    return "http://127.0.0.1:" + s.getAddress().getPort();
  }

  @Test
  void anAnswerLargerThanAnySchemaIsRefusedInsteadOfFillingTheHeap() throws Exception {
    com.sun.net.httpserver.HttpServer huge = answering(ex -> {
      ex.sendResponseHeaders(200, 0); // chunked, endless as far as the client can tell
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) 'x');
      try (var out = ex.getResponseBody()) {
        for (int i = 0; i < 1024; i++) { // 64 MiB if read to the end
          out.write(chunk);
        }
      } catch (IOException closedByTheClient) {
        // expected: the client stops reading
      }
    });
    try {
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(huge)).maxRetries(0).build());
      assertThatThrownBy(() -> c.byId(1)).isInstanceOf(RegistryUnavailableException.class)
          .hasMessageContaining("larger than " + HttpSchemaRegistryClient.MAX_ANSWER_BYTES + " bytes");
    } finally {
      huge.stop(0);
    }
  }

  @Test
  void aBodySentAByteAtATimeStillEndsAtTheCallsDeadline() throws Exception {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    com.sun.net.httpserver.HttpServer slow = answering(ex -> {
      ex.sendResponseHeaders(200, 0);
      try (var out = ex.getResponseBody()) {
        out.write('{');
        out.flush();
        done.await(); // the rest never comes while the test runs
      } catch (IOException | InterruptedException ignored) {
        // the client gave up
      }
    });
    try {
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(slow)).maxRetries(0)
          .requestTimeout(Duration.ofMillis(500)).callDeadline(Duration.ofSeconds(1)).build());
      // before: java.net.http's timeout stopped at the headers and this call never returned
      assertThatThrownBy(() -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> c.byId(1))).isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("timed out");
    } finally {
      done.countDown();
      slow.stop(0);
    }
  }

  @Test
  void aRedirectIsNotFollowedSoTheCredentialsStayWithTheRegistry() throws Exception {
    java.util.List<String> elsewhere = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer other = answering(ex -> {
      elsewhere.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    com.sun.net.httpserver.HttpServer redirecting = answering(ex -> {
      ex.getResponseHeaders().set("Location", url(other) + ex.getRequestURI());
      ex.sendResponseHeaders(307, -1);
      ex.close();
    });
    try {
      HttpSchemaRegistryClient c = new HttpSchemaRegistryClient(fast(url(redirecting)).basicAuth("alice", "s3cret")
          .build());
      assertThatThrownBy(() -> c.byId(1)).isInstanceOf(RegistryRequestException.class)
          .hasMessageContaining("redirect (HTTP 307)").hasMessageContaining("set registry.url");
      assertThat(elsewhere).as("requests that reached the other host").isEmpty();
    } finally {
      redirecting.stop(0);
      other.stop(0);
    }
  }
}
