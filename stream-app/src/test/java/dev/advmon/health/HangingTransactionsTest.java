package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.health.HangingTransactions.Mode;
import dev.advmon.health.HangingTransactions.Open;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The judgement of {@link HangingTransactions} on plain data: how long a transaction has been seen open, and what its
 * coordinator says of it. The questions to a real broker, the abort and the report are in {@code HangingTransactionIT}.
 */
class HangingTransactionsTest {

  private static final TopicPartition VERDICTS = new TopicPartition("verdicts", 0);
  private static final long MIN_AGE = 60_000;
  private static final long FRAMES_AGE = 900_000;

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final HangingTransactions check = new HangingTransactions(null, List::of, "frames", "advmon",
      Mode.ABORT_OWN, MIN_AGE, FRAMES_AGE, 1_000, now::get, "kafka:9092");

  @Test
  void manyHangingTransactionsMakeAReasonThatAnotherInstancesDashboardTakesWholeListingTheFirstAndCountingTheRest() {
    String bootstrap = "kafka-0.kafka-brokers.kafka.svc:9093,kafka-1.kafka-brokers.kafka.svc:9093,"
        + "kafka-2.kafka-brokers.kafka.svc:9093";
    List<String> reports = new java.util.ArrayList<>();
    for (int p = 0; p < 60; p++) { // every partition of the outputs, as a broker that lost its transaction state leaves
      Open open = new Open(new TopicPartition("verdicts", p), 4000 + p, 3, 0, 1_234_567);
      reports.add(open + ": abort it with " + open.abortCommand(bootstrap));
    }

    String reason = HangingTransactions.problem(reports);

    assertThat(reason.length()).as("what a peer's dashboard takes whole as a readiness reason")
        .isLessThanOrEqualTo(dev.advmon.topology.RecordLimits.MAX_MESSAGE_CHARS);
    assertThat(reason).startsWith("hanging transactions on " + reports.get(0) + "; " + reports.get(1));
    int listed = (int) reports.stream().filter(reason::contains).count();
    assertThat(listed).isGreaterThan(10);
    assertThat(reason).endsWith("; and " + (60 - listed) + " more (each in the log)");
    assertThat(HangingTransactions.problem(reports.subList(0, 2))).as("a few: all of them")
        .isEqualTo("hanging transactions on " + reports.get(0) + "; " + reports.get(1));
    assertThat(HangingTransactions.problem(List.of())).isNull();
  }

  @Test
  void theLastHangingTransactionIsListedWhereItFitsWithoutTheCountOfMoreThatNoLongerFollows() {
    String prefix = "hanging transactions on ";
    String first = "a".repeat(2_000);
    // the whole reason exactly MAX_PROBLEM_CHARS long: it fits, and nothing is left over to count
    String last = "b".repeat(HangingTransactions.MAX_PROBLEM_CHARS - prefix.length() - first.length() - 2);

    assertThat(HangingTransactions.problem(List.of(first, last))).isEqualTo(prefix + first + "; " + last);
    assertThat(HangingTransactions.problem(List.of(first, last + "b"))).as("one character more: counted")
        .isEqualTo(prefix + first + "; and 1 more (each in the log)");
  }

  @Test
  void aTransactionIsACandidateOnlyOnceItHasBeenSeenOpenForTheMinimumAge() {
    Open open = new Open(VERDICTS, 7, 3, 0, 120);
    assertThat(check.observe(List.of(open), now.get())).isEmpty();
    now.addAndGet(MIN_AGE - 1);
    assertThat(check.observe(List.of(open), now.get())).as("one millisecond short").isEmpty();
    now.addAndGet(1);
    assertThat(check.observe(List.of(open), now.get())).containsExactly(open);
  }

  @Test
  void onTheFramesTopicWhichOthersWriteATransactionMustBeOpenAsLongAsTheBrokerLetsAnyBe() {
    Open others = new Open(new TopicPartition("frames", 0), 9, 0, 0, 40);
    Open own = new Open(VERDICTS, 7, 3, 0, 120);
    check.observe(List.of(others, own), now.get());
    now.addAndGet(MIN_AGE);
    assertThat(check.observe(List.of(others, own), now.get())).containsExactly(own);
    now.addAndGet(FRAMES_AGE - MIN_AGE);
    assertThat(check.observe(List.of(others, own), now.get())).containsExactly(others, own);
  }

  @Test
  void onTheGroupsOffsetsPartitionATransactionCountsAsTheMonitorsOnlyWhileItsProducerHoldsOneOnItsOwnTopics() {
    TopicPartition offsets = new TopicPartition("__consumer_offsets", 3);
    Open ownCommits = new Open(offsets, 7, 3, 0, 500); // the same producer has verdicts open: its offsets went along
    Open ownVerdicts = new Open(VERDICTS, 7, 3, 0, 120);
    Open othersCommits = new Open(offsets, 9, 0, 0, 510); // another group's commits, or the monitor's alone
    List<Open> open = List.of(ownCommits, ownVerdicts, othersCommits);
    check.observe(open, now.get());
    now.addAndGet(MIN_AGE);
    assertThat(check.observe(open, now.get())).containsExactly(ownCommits, ownVerdicts);
    now.addAndGet(FRAMES_AGE - MIN_AGE);
    assertThat(check.observe(open, now.get())).as("the others' age: the broker ends any live one by then")
        .containsExactly(ownCommits, ownVerdicts, othersCommits);
  }

  @Test
  void theGroupsOffsetsPartitionIsTheOneKafkaPicksForItsId() {
    // Kafka's rule (GroupCoordinator#partitionFor): the absolute value of the id's hash, modulo the partition count
    assertThat(HangingTransactions.offsetsPartition("advmon", 50)).isEqualTo(Math.abs("advmon".hashCode()) % 50);
    String negative = "polygenelubricants"; // its hashCode is Integer.MIN_VALUE: Math.abs leaves it negative
    assertThat(negative.hashCode()).isEqualTo(Integer.MIN_VALUE);
    assertThat(HangingTransactions.offsetsPartition(negative, 50)).isBetween(0, 49);
  }

  @Test
  void aTransactionThatEndedStartsAfreshWhenTheSameProducerOpensAnotherOne() {
    Open first = new Open(VERDICTS, 7, 3, 0, 120);
    check.observe(List.of(first), now.get());
    now.addAndGet(MIN_AGE / 2);
    check.observe(List.of(), now.get()); // it ended: committed or aborted
    Open next = new Open(VERDICTS, 7, 4, 0, 180);
    check.observe(List.of(next), now.get());
    now.addAndGet(MIN_AGE / 2);
    assertThat(check.observe(List.of(next), now.get())).as("the next one's age counts from when it was seen").isEmpty();
  }

  @Test
  void aNewerEpochOfTheSameOpenTransactionKeepsItsAge() {
    check.observe(List.of(new Open(VERDICTS, 7, 3, 0, 120)), now.get());
    now.addAndGet(MIN_AGE);
    Open bumped = new Open(VERDICTS, 7, 4, 0, 120); // same producer, same start offset: the same transaction
    assertThat(check.observe(List.of(bumped), now.get())).containsExactly(bumped);
  }

  @Test
  void aTransactionItsCoordinatorTracksIsNotHanging() {
    Open open = seenFor(new Open(VERDICTS, 7, 3, 0, 120), MIN_AGE);
    assertThat(HangingTransactions.untracked(List.of(open), Map.of(7L, Set.of(VERDICTS)))).isEmpty();
  }

  @Test
  void aTransactionWhoseProducerNoTransactionalIdOwnsIsHanging() {
    Open open = seenFor(new Open(VERDICTS, 7, 3, 0, 120), MIN_AGE);
    assertThat(HangingTransactions.untracked(List.of(open), Map.of())).containsExactly(open);
  }

  @Test
  void aTransactionOnAPartitionItsCoordinatorDoesNotListIsHanging() {
    Open open = seenFor(new Open(VERDICTS, 7, 3, 0, 120), MIN_AGE);
    Set<TopicPartition> completed = Set.of(); // CompleteCommit, no partitions: as seen after kill -9
    Set<TopicPartition> elsewhere = Set.of(new TopicPartition("verdicts", 1));
    assertThat(HangingTransactions.untracked(List.of(open), Map.of(7L, completed))).containsExactly(open);
    assertThat(HangingTransactions.untracked(List.of(open), Map.of(7L, elsewhere))).containsExactly(open);
  }

  @Test
  void aTransactionOnAPartitionItsCoordinatorListsIsLeftToItHoweverLongItHasBeenOpen() {
    // a coordinator back after a long outage, completing a commit: its marker ends the open records here; an abort
    // racing it would lose them
    Open open = seenFor(new Open(VERDICTS, 7, 3, 0, 120), 10 * FRAMES_AGE);
    assertThat(HangingTransactions.untracked(List.of(open), Map.of(7L, Set.of(VERDICTS)))).isEmpty();
  }

  @Test
  void aMissingPermissionIsSaidOnceNotSwallowed() {
    var refused = new java.util.concurrent.ExecutionException(
        new org.apache.kafka.common.errors.TopicAuthorizationException("Not authorized to access topics: [verdicts]"));
    try (dev.advmon.testing.LogLines log = dev.advmon.testing.LogLines.of(HangingTransactions.class)) {
      assertThat(check.notAllowed("the producers of verdicts", refused)).isTrue();
      assertThat(check.notAllowed("the producers of verdicts", refused)).isTrue();
      assertThat(check.notAllowed("topic x", new java.util.concurrent.ExecutionException(
          new org.apache.kafka.common.errors.TimeoutException("slow")))).as("not a permission").isFalse();
      assertThat(log.messages()).hasSize(1).allMatch(m -> m.contains("not allowed to read the producers of verdicts")
          && m.contains("Not authorized to access topics: [verdicts]") && m.contains("needs Read"));
    }
  }

  @Test
  void aRefusalToReadTheOffsetsTopicIsSaidOnceAtInfoAsMostDeploymentsRightlyRefuseIt() {
    var refused = new java.util.concurrent.ExecutionException(new org.apache.kafka.common.errors
        .TopicAuthorizationException("Not authorized to access topics: [__consumer_offsets]"));
    try (dev.advmon.testing.LogLines log = dev.advmon.testing.LogLines.of(HangingTransactions.class)) {
      assertThat(check.notAllowed("topic __consumer_offsets", refused)).isTrue();
      assertThat(check.notAllowed("topic __consumer_offsets", refused)).isTrue();
      assertThat(log.events()).hasSize(1).allMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.INFO
          && e.getFormattedMessage().contains("offset commits is not looked for")
          && e.getFormattedMessage().contains("Read on topic __consumer_offsets"));
    }
  }

  @Test
  void theAbortCommandNamesThePartitionAndTheStartOffset() {
    assertThat(new Open(VERDICTS, 7, 3, 0, 120).abortCommand("kafka:9092")).isEqualTo(
        "kafka-transactions.sh --bootstrap-server kafka:9092 abort --topic verdicts --partition 0 --start-offset 120");
  }

  @Test
  void eachModeAbortsWhereItSays() {
    for (Mode m : Mode.values()) {
      HangingTransactions c = new HangingTransactions(null, List::of, "frames", "advmon", m, MIN_AGE, FRAMES_AGE,
          1_000, now::get, "k:1");
      assertThat(c.abortable("verdicts")).as(m + " on the monitor's own verdicts")
          .isEqualTo(m == Mode.ABORT_OWN || m == Mode.ABORT_ALL);
      assertThat(c.abortable("frames")).as(m + " on the frames others write").isEqualTo(m == Mode.ABORT_ALL);
      assertThat(c.abortable("__consumer_offsets")).as(m + " on offset commits, where an abort loses no record")
          .isEqualTo(m == Mode.ABORT_OWN || m == Mode.ABORT_ALL);
    }
  }

  @Test
  void modesReadAsTheSettingWritesThem() {
    for (Mode m : Mode.values()) {
      assertThat(Mode.parse(m.setting())).isEqualTo(m);
    }
    assertThat(Mode.parse(" Abort-Own ")).isEqualTo(Mode.ABORT_OWN);
    assertThatThrownBy(() -> Mode.parse("abort")).isInstanceOf(IllegalArgumentException.class);
  }

  private Open seenFor(Open open, long ms) {
    check.observe(List.of(open), now.get());
    now.addAndGet(ms);
    check.observe(List.of(open), now.get());
    return open;
  }
}
