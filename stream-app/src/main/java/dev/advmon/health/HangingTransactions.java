package dev.advmon.health;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds hanging transactions on the monitor's topics and, where allowed, aborts them.
 *
 * <p>A hanging transaction is one a partition holds open while no transaction coordinator will ever end it: the
 * broker lost track of it (seen here after a lone broker was killed with {@code kill -9} mid-transaction, in about 4
 * of 10 runs). Every {@code read_committed} reader of that partition stops at it for good: Kafka Streams restoring
 * the monitor's state, the monitor reading frames, the services reading verdicts and alerts. No client restart
 * clears it; aborting it does ({@code kafka-transactions.sh abort}, or {@link Admin#abortTransaction}).
 *
 * <p>How one is told from a transaction that is merely long: the partition must hold the same open transaction (same
 * producer and start offset) for at least a minimum age by this process's clock (longer on the frames topic, whose
 * producers may keep theirs open up to the broker's {@code transaction.max.timeout.ms}), and then its coordinator must
 * not know it: no transactional id has its producer id, the id is unknown, or the coordinator does not list the
 * partition (one it lists, it ends with its next marker there, however late). That is asked only while every
 * coordinator is up and stays put (each {@code __transaction_state} partition has the same leader before and after the
 * listing): the brokers that answer do not list a downed coordinator's transactions. Before anything is reported or aborted
 * the partition is asked again and must still hold the same one, so that a transaction whose markers were being written between the two questions is not mistaken for one. This is
 * the test of {@code kafka-transactions.sh find-hanging}, with the age taken from this process's clock instead of
 * the record timestamps (a replayed camera's frames carry old ones).
 *
 * <p>The monitor's consumer group's partition of {@code __consumer_offsets} is looked at too: Kafka Streams commits
 * the frames' offsets in its transactions, and an offset commit in a hanging transaction stays pending for good, so
 * the group's members cannot read their committed offsets ({@code UNSTABLE_OFFSET_COMMIT}) and never start (seen
 * after {@code kill -9}: "expired before the last committed offset for partitions [...] could be determined"). Other
 * groups commit to that partition too, and the monitor is rarely allowed to describe their transactional ids, so
 * their live transactions look untracked: one open there is judged only while the monitor's group has a commit
 * pending (its coordinator answers {@code UNSTABLE_OFFSET_COMMIT}), and left alone otherwise. It counts as the
 * monitor's, and is judged at the monitor's age, only while the same producer also holds one open on the monitor's
 * own topics; else it waits as long as on the frames topic.
 *
 * <p>What is done with one depends on {@link Mode}: abort it where the monitor writes (its verdicts, alerts, dead
 * letters, changelogs and repartition topics, whose transactions are the monitor's own, and its group's partition of
 * {@code __consumer_offsets}, where an abort discards offset commits: a group then starts again from its previous
 * commit, reading some records again and losing none), report it on the frames topic, which other producers write
 * (aborting there discards their frames, which no reader could see anyway).
 * Aborting needs Alter (Kafka 3.8 on) or ClusterAction on the cluster, as {@code kafka-transactions.sh abort} does;
 * without it, it is reported with the command to run. Readiness names every hanging transaction not aborted.
 *
 * <p>What an abort costs: Kafka can only abort a hanging transaction, not commit it. Where its coordinator had
 * committed it before losing track of this partition (the rest of the transaction, the frames' offsets among it,
 * committed elsewhere), the records here are lost, as they are when an operator runs the command. The log line says
 * from which offset a read_uncommitted reader still sees them. Not aborting leaves every reader stopped for good.
 */
public final class HangingTransactions {

  private static final Logger log = LoggerFactory.getLogger(HangingTransactions.class);

  /** What to do with a hanging transaction ({@code health.hanging-transactions}). */
  public enum Mode {
    /** Do not look. */
    OFF,
    /** Report them (readiness, log) with the command that aborts them. */
    REPORT,
    /** Abort them on the topics the monitor writes; report them on the frames topic. */
    ABORT_OWN,
    /** Abort them everywhere the monitor reads or writes, the frames topic included. */
    ABORT_ALL;

    public static Mode parse(String value) {
      return valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    public String setting() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** One open transaction on one partition, as the partition's leader describes it. */
  public record Open(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch,
      long startOffset) {

    /** The command an operator runs to abort it. */
    public String abortCommand(String bootstrapServers) {
      return "kafka-transactions.sh --bootstrap-server " + bootstrapServers + " abort --topic " + partition.topic()
          + " --partition " + partition.partition() + " --start-offset " + startOffset;
    }

    /** Which transaction it is, whatever epoch the producer has reached since. */
    Key key() {
      return new Key(partition, producerId, startOffset);
    }

    @Override
    public String toString() {
      return partition + " (producer id " + producerId + ", epoch " + producerEpoch + ", open since offset "
          + startOffset + ")";
    }
  }

  record Key(TopicPartition partition, long producerId, long startOffset) {}

  private static final String OFFSETS = Topic.GROUP_METADATA_TOPIC_NAME;
  /** Where the ACLs the check needs are described, by a path that works from any folder. */
  private static final String FAULTS = dev.advmon.model.ModelDocs.projectReadme("Faults, restarts and health");

  private final Admin admin;
  private final Supplier<Collection<String>> topics;
  private final Mode mode;
  private final String othersTopic;
  private final String groupId; // its partition of __consumer_offsets is looked at too; null: it is not
  private final long minAgeMs;
  private final long othersMinAgeMs;
  private final long timeoutMs;
  private final LongSupplier clock;
  private final String bootstrapServers;
  private final Map<Key, Long> firstSeen = new HashMap<>(); // checker thread only
  private final Set<Key> warned = new HashSet<>(); // checker thread only
  private final Set<String> blind = new HashSet<>(); // checker thread only: what it may not read, warned once
  private final Map<TopicPartition, List<String>> reports = new LinkedHashMap<>(); // checker thread only
  private volatile List<String> left = List.of(); // what the last look found and did not abort: one reference, so
  // that readiness and /metrics never see two looks half each
  private final java.util.concurrent.atomic.AtomicLong aborted = new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param topics the topics to look at, asked at every check (internal topics come and go)
   * @param othersTopic the one of them other producers write (the frames topic)
   * @param groupId the monitor's consumer group (Kafka Streams' application id), whose partition of
   *     {@code __consumer_offsets} is looked at too; null to leave it out
   * @param minAgeMs how long a transaction must be seen open on the monitor's own topics before it is judged
   * @param othersMinAgeMs the same on {@code othersTopic}, at least {@code minAgeMs}: its producers may keep a
   *     transaction open up to the broker's {@code transaction.max.timeout.ms}, and the monitor may not be allowed to
   *     see their transactional ids (a live transaction would then look like one no coordinator tracks)
   * @param timeoutMs how long each question to the cluster may take
   */
  public HangingTransactions(Admin admin, Supplier<Collection<String>> topics, String othersTopic, String groupId,
      Mode mode, long minAgeMs, long othersMinAgeMs, long timeoutMs, LongSupplier clock, String bootstrapServers) {
    this.admin = admin;
    this.topics = topics;
    this.othersTopic = othersTopic;
    this.groupId = groupId;
    this.mode = mode;
    this.minAgeMs = minAgeMs;
    this.othersMinAgeMs = Math.max(minAgeMs, othersMinAgeMs);
    this.timeoutMs = timeoutMs;
    this.clock = clock;
    this.bootstrapServers = bootstrapServers;
  }

  /** How many hanging transactions the last check found and did not abort. */
  public int unresolved() {
    return left.size();
  }

  /** How many hanging transactions this process has aborted. */
  public long aborted() {
    return aborted.get();
  }

  /**
   * At most about this many characters of a readiness reason (then "; and 12 more"): about 200 characters a
   * transaction, a broker that lost track of those on many partitions made one reason of many kilobytes, which another
   * instance's dashboard cuts at 4096 (RecordLimits.MAX_MESSAGE_CHARS) and reports as a summary that "does not fit
   * what a monitor sends". The log names each one (WARN or ERROR), advmon_transactions_hanging counts them.
   */
  static final int MAX_PROBLEM_CHARS = 4000;

  /** The hanging transactions found and not aborted, for readiness; null when there are none. */
  public String problem() {
    return problem(left);
  }

  /** {@code open}'s reports as one reason: as many as fit in {@link #MAX_PROBLEM_CHARS}, and how many more. */
  static String problem(List<String> open) {
    if (open.isEmpty()) {
      return null;
    }
    StringBuilder reason = new StringBuilder("hanging transaction" + (open.size() > 1 ? "s" : "") + " on ")
        .append(open.get(0));
    for (int i = 1; i < open.size(); i++) {
      String more = "; and " + (open.size() - i) + " more (each in the log)";
      // the last one needs no room for a count after it
      int after = i == open.size() - 1 ? 0 : more.length();
      if (reason.length() + 2 + open.get(i).length() + after > MAX_PROBLEM_CHARS) {
        return reason.append(more).toString();
      }
      reason.append("; ").append(open.get(i));
    }
    return reason.toString();
  }

  /**
   * One look: find, confirm, then abort or report. A question the cluster does not answer ends it quietly; a
   * partition (or topic) whose leader does not answer keeps what the last look found there, its report and the age
   * of its open transactions, so that one lost answer neither clears a report nor restarts the wait.
   */
  public void check() {
    try {
      Set<TopicPartition> unanswered = new HashSet<>();
      Set<String> undescribed = new HashSet<>();
      java.util.function.Predicate<TopicPartition> unseen = tp -> unanswered.contains(tp)
          || undescribed.contains(tp.topic());
      Set<String> names = new java.util.TreeSet<>(topics.get());
      if (groupId != null) {
        names.add(OFFSETS);
      }
      List<TopicPartition> partitions = groupsOwnOffsets(partitions(names, undescribed));
      List<Open> candidates = observe(openTransactions(partitions, unanswered), unseen, clock.getAsLong());
      Map<TopicPartition, List<String>> found = new LinkedHashMap<>();
      if (!candidates.isEmpty()) {
        List<Open> untracked = untracked(candidates, coordinators(candidates));
        Set<Key> still = new HashSet<>(openTransactions(untracked.stream().map(Open::partition).distinct().toList(),
            unanswered).stream().map(Open::key).toList());
        Boolean groupPending = null; // asked once, and only when a transaction on __consumer_offsets is to be judged
        for (Open hanging : untracked) {
          if (!still.contains(hanging.key())) {
            continue; // ended between the two questions: not hanging (or not answered: the last look's report stays)
          }
          if (hanging.partition().topic().equals(OFFSETS)) {
            if (groupPending == null) {
              groupPending = groupsCommitPending(partitions);
            }
            if (groupPending == null) { // not answered: the last look's report there stays
              unanswered.add(hanging.partition());
              continue;
            }
            if (!groupPending) {
              continue; // it holds no commit of the monitor's group: another group's, not the monitor's to judge
            }
          }
          String report = judge(hanging);
          if (report != null) {
            found.computeIfAbsent(hanging.partition(), tp -> new ArrayList<>()).add(report);
          }
        }
      }
      reports.keySet().removeIf(tp -> !unseen.test(tp));
      reports.putAll(found);
      left = reports.values().stream().flatMap(List::stream).toList();
    } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
      if (!notAllowed("the coordinators", e)) {
        log.debug("hanging-transaction check did not finish: {}", e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Aborts a confirmed hanging transaction or reports it; what readiness says of it, null when it is aborted. */
  private String judge(Open hanging) throws InterruptedException {
    if (abortable(hanging.partition().topic())) {
      String failed = abort(hanging);
      return failed == null ? null
          : hanging + ": could not abort it (" + failed + "); run " + hanging.abortCommand(bootstrapServers);
    }
    if (warned.add(hanging.key())) {
      log.warn("hanging transaction on {}: its coordinator does not track it, so {}; it is not aborted "
          + "(health.hanging-transactions={}{}); to discard its records and go on: {}", hanging, stops(hanging),
          mode.setting(), mode == Mode.ABORT_OWN ? ": only where the monitor writes" : "",
          hanging.abortCommand(bootstrapServers));
    }
    return hanging + ": abort it with " + hanging.abortCommand(bootstrapServers);
  }

  /** Who stops at {@code hanging}, for the log. */
  private static String stops(Open hanging) {
    return hanging.partition().topic().equals(OFFSETS)
        ? "the offset commits it holds stay pending for good: the consumer group they belong to cannot read its "
            + "committed offsets (UNSTABLE_OFFSET_COMMIT) and does not start"
        : "read_committed readers of that partition stop at offset " + hanging.startOffset() + " for good";
  }

  /**
   * How long {@code o} must be seen open before it is judged: on the frames topic, and on {@code __consumer_offsets}
   * unless the same producer holds a transaction open on the monitor's own topics (then it is the monitor's own,
   * whose offset commits went with its verdicts), the longer age.
   */
  private long minAge(Open o, Set<Long> ownProducers) {
    String topic = o.partition().topic();
    return topic.equals(othersTopic) || topic.equals(OFFSETS) && !ownProducers.contains(o.producerId())
        ? othersMinAgeMs : minAgeMs;
  }

  /** Of {@code __consumer_offsets}, the one partition the monitor's group commits to; the other topics whole. */
  private List<TopicPartition> groupsOwnOffsets(List<TopicPartition> partitions) {
    int offsetsPartitions = (int) partitions.stream().filter(tp -> tp.topic().equals(OFFSETS)).count();
    return partitions.stream().filter(tp -> !tp.topic().equals(OFFSETS)
        || tp.partition() == offsetsPartition(groupId, offsetsPartitions)).toList();
  }

  /**
   * Whether the monitor's group has an offset commit pending on one of {@code partitions} (those of the monitor's
   * topics it consumes among them): its coordinator answers {@code UNSTABLE_OFFSET_COMMIT} when asked for the
   * committed offsets with require_stable, which a plain question answers. Only then can a transaction open on the
   * group's partition of {@code __consumer_offsets} be holding the monitor's commits. Without this, one there is
   * judged on the untracked test alone, which cannot see other applications' transactional ids the monitor may not
   * describe: their live transactions would look hanging, and an abort would discard their offset commits while the
   * rest of their transactions commits. Null when the coordinator does not answer.
   */
  private Boolean groupsCommitPending(List<TopicPartition> partitions) throws InterruptedException {
    List<TopicPartition> consumed = partitions.stream().filter(tp -> !tp.topic().equals(OFFSETS)).toList();
    if (consumed.isEmpty()) {
      return false;
    }
    // by partition: asked for all its offsets, the coordinator leaves out a partition with no commit before the
    // pending one (a group's first commit)
    Map<String, ListConsumerGroupOffsetsSpec> spec = Map.of(groupId,
        new ListConsumerGroupOffsetsSpec().topicPartitions(consumed));
    try {
      // a partition answered with an error is left out of the answer: an unstable one only when stability is asked
      Set<TopicPartition> answered = admin.listConsumerGroupOffsets(spec).partitionsToOffsetAndMetadata(groupId)
          .get(timeoutMs, TimeUnit.MILLISECONDS).keySet();
      Set<TopicPartition> stable = admin.listConsumerGroupOffsets(spec,
          new ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata(groupId)
          .get(timeoutMs, TimeUnit.MILLISECONDS).keySet();
      return !stable.containsAll(answered);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      if (!notAllowed("the committed offsets of group " + groupId + " (Describe on the group)", e)) {
        log.debug("hanging-transaction check: cannot ask for the committed offsets of group {}: {}", groupId,
            e.toString());
      }
      return null;
    }
  }

  /** The partition of {@code __consumer_offsets} a group's coordinator writes its commits to, as Kafka picks it. */
  static int offsetsPartition(String groupId, int partitions) {
    return Utils.abs(groupId.hashCode()) % partitions;
  }

  /**
   * Whether {@code e} is a refusal for want of a permission; if so, says once (WARN) what the check cannot see, so
   * that a principal without them does not leave it silently blind: describing a topic's producers takes Read on the
   * topic, the coordinators' view Describe on {@code __transaction_state} and on the transactional ids.
   */
  boolean notAllowed(String what, Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (!(cause instanceof org.apache.kafka.common.errors.AuthorizationException)) {
      return false;
    }
    if (what.endsWith(OFFSETS)) { // an internal topic most deployments rightly keep from applications: not a fault
      if (blind.add(what)) {
        log.info("hanging-transaction check: not allowed to read {} ({}); a hanging transaction holding the group's "
            + "offset commits is not looked for (it needs Describe and Read on topic {}: {})", what,
            cause.getMessage(), OFFSETS, FAULTS);
      }
      return true;
    }
    if (blind.add(what)) {
      log.warn("hanging-transaction check: not allowed to read {} ({}); hanging transactions there are not found. It "
          + "needs Read on the monitor's topics and Describe on __transaction_state ({})", what,
          cause.getMessage(), FAULTS);
    }
    return true;
  }

  /**
   * Whether {@link #mode} lets this monitor abort a hanging transaction on {@code topic}: under {@code abort-own}, not
   * on the frames topic, whose records are others'; on {@code __consumer_offsets} it does, as an abort there discards
   * offset commits, no record.
   */
  boolean abortable(String topic) {
    return switch (mode) {
      case ABORT_ALL -> true;
      case ABORT_OWN -> !topic.equals(othersTopic);
      case REPORT, OFF -> false;
    };
  }

  /**
   * Remembers when each open transaction was first seen and forgets those that ended; returns the ones open for at
   * least {@code minAgeMs}.
   */
  List<Open> observe(Collection<Open> openNow, long nowMs) {
    return observe(openNow, tp -> false, nowMs);
  }

  /** The same, keeping what was seen on the partitions {@code unseen} names, which this look could not describe. */
  List<Open> observe(Collection<Open> openNow, java.util.function.Predicate<TopicPartition> unseen, long nowMs) {
    Set<Key> openKeys = new HashSet<>(openNow.stream().map(Open::key).toList());
    Set<Long> ownProducers = new HashSet<>();
    openNow.stream().filter(o -> !o.partition().topic().equals(othersTopic) && !o.partition().topic().equals(OFFSETS))
        .forEach(o -> ownProducers.add(o.producerId()));
    firstSeen.keySet().removeIf(k -> !openKeys.contains(k) && !unseen.test(k.partition()));
    warned.retainAll(firstSeen.keySet());
    List<Open> old = new ArrayList<>();
    for (Open o : openNow) {
      long since = firstSeen.computeIfAbsent(o.key(), k -> nowMs);
      if (nowMs - since >= minAge(o, ownProducers)) {
        old.add(o);
      }
    }
    return old;
  }

  /**
   * The candidates no coordinator will end: no transactional id owns the producer id, the id is unknown, or its
   * coordinator does not list the partition. One it lists is left to it however long it has been open: its next
   * marker for that partition ends every open record of the producer there (a coordinator completing a commit after
   * coming back would otherwise race an abort, and lose the records here).
   *
   * @param tracked by producer id, the partitions its transactional id's coordinator lists; absent for no such id
   */
  static List<Open> untracked(List<Open> candidates, Map<Long, Set<TopicPartition>> tracked) {
    List<Open> untracked = new ArrayList<>();
    for (Open o : candidates) {
      Set<TopicPartition> listed = tracked.get(o.producerId());
      if (listed == null || !listed.contains(o.partition())) {
        untracked.add(o);
      }
    }
    return untracked;
  }

  /** The partitions of {@code names}; the topics that could not be described are added to {@code undescribed}. */
  private List<TopicPartition> partitions(Collection<String> names, Set<String> undescribed) {
    if (names.isEmpty()) {
      return List.of();
    }
    List<TopicPartition> partitions = new ArrayList<>();
    // a topic not created yet is not an error here: there is nothing on it to hang
    admin.describeTopics(names).topicNameValues().forEach((topic, future) -> {
      try {
        future.get(timeoutMs, TimeUnit.MILLISECONDS).partitions()
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        if (!notAllowed("topic " + topic, e)) {
          log.debug("hanging-transaction check: cannot describe {}: {}", topic, e.toString());
        }
        undescribed.add(topic);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        undescribed.add(topic);
      }
    });
    return partitions;
  }

  /** The open transactions on {@code partitions}; those whose leader did not answer are added to {@code unanswered}. */
  private List<Open> openTransactions(List<TopicPartition> partitions, Set<TopicPartition> unanswered)
      throws InterruptedException {
    if (partitions.isEmpty()) {
      return List.of();
    }
    DescribeProducersResult result = admin.describeProducers(partitions);
    List<Open> open = new ArrayList<>();
    for (TopicPartition tp : partitions) {
      try {
        for (ProducerState p : result.partitionResult(tp).get(timeoutMs, TimeUnit.MILLISECONDS).activeProducers()) {
          if (p.currentTransactionStartOffset().isPresent()) {
            open.add(new Open(tp, p.producerId(), p.producerEpoch(), p.coordinatorEpoch().orElse(0),
                p.currentTransactionStartOffset().getAsLong()));
          }
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        if (!notAllowed("the producers of " + tp.topic(), e)) {
          log.debug("hanging-transaction check: cannot describe the producers of {}: {}", tp, e.toString());
        }
        unanswered.add(tp);
      }
    }
    return open;
  }

  /** For each candidate's producer id that a transactional id owns, the partitions that id's coordinator lists. */
  private Map<Long, Set<TopicPartition>> coordinators(List<Open> candidates)
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    Set<Long> producerIds = new HashSet<>();
    candidates.forEach(o -> producerIds.add(o.producerId()));
    Map<Integer, Integer> before = coordinatorLeaders();
    Map<String, Long> ids = new LinkedHashMap<>();
    for (TransactionListing l : admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds))
        .all().get(timeoutMs, TimeUnit.MILLISECONDS)) {
      if (producerIds.contains(l.producerId())) {
        ids.put(l.transactionalId(), l.producerId());
      }
    }
    if (!coordinatorLeaders().equals(before)) {
      throw new IllegalStateException("the transaction coordinators moved while their transactions were listed: "
          + "no judgement this time");
    }
    Map<Long, Set<TopicPartition>> coordinated = new HashMap<>();
    if (ids.isEmpty()) {
      return coordinated;
    }
    var described = admin.describeTransactions(ids.keySet());
    for (Map.Entry<String, Long> id : ids.entrySet()) {
      try {
        TransactionDescription d = described.description(id.getKey()).get(timeoutMs, TimeUnit.MILLISECONDS);
        coordinated.put(id.getValue(), Set.copyOf(d.topicPartitions()));
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TransactionalIdNotFoundException)) {
          throw e; // the coordinator did not answer: no judgement this time
        }
      }
    }
    return coordinated;
  }

  /**
   * The broker leading each partition of {@code __transaction_state}, that is, each transaction coordinator. The
   * transactions are listed by the brokers the cluster's metadata names; a coordinator that is down (its partition
   * without a leader) is not among them, and the brokers that answer do not list its transactional ids, so its live
   * transactions would look untracked and be aborted, their records lost once it comes back and commits. So: every
   * partition must have a leader, and the same one before and after the listing, or there is no judgement.
   */
  private Map<Integer, Integer> coordinatorLeaders()
      throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
    List<TopicPartitionInfo> partitions;
    try {
      partitions = admin.describeTopics(List.of(Topic.TRANSACTION_STATE_TOPIC_NAME)).topicNameValues()
          .get(Topic.TRANSACTION_STATE_TOPIC_NAME).get(timeoutMs, TimeUnit.MILLISECONDS).partitions();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Map.of(); // no coordinator was ever needed, so none can be down: nothing open here is tracked
      }
      throw e;
    }
    Map<Integer, Integer> leaders = new HashMap<>();
    for (TopicPartitionInfo p : partitions) {
      if (p.leader() == null || p.leader().isEmpty()) {
        throw new IllegalStateException("the transaction coordinator of " + Topic.TRANSACTION_STATE_TOPIC_NAME + "-"
            + p.partition() + " is down (no leader): its transactions cannot be told from hanging ones now");
      }
      leaders.put(p.partition(), p.leader().id());
    }
    return leaders;
  }

  /** Aborts one; null when done, else why not. */
  private String abort(Open hanging) throws InterruptedException {
    try {
      admin.abortTransaction(new AbortTransactionSpec(hanging.partition(), hanging.producerId(),
          (short) hanging.producerEpoch(), hanging.coordinatorEpoch())).all().get(timeoutMs, TimeUnit.MILLISECONDS);
      if (hanging.partition().topic().equals(OFFSETS)) {
        log.warn("aborted a hanging transaction on {}: its coordinator did not track it, so the offset commits it "
            + "held were pending for good and the consumer group they belong to could not read its committed offsets; "
            + "it can now. Those commits are discarded: that group goes on from its previous commit, and records "
            + "read since are read again (none is lost)", hanging);
      } else {
        log.warn("aborted a hanging transaction on {}: its coordinator did not track it, so read_committed readers "
            + "of that partition had stopped at offset {}; they go on now. Its records are discarded: had its "
            + "coordinator committed it before losing track (the rest of that transaction readable elsewhere), they "
            + "are lost; a read_uncommitted reader still sees them from offset {}", hanging, hanging.startOffset(),
            hanging.startOffset());
      }
      firstSeen.remove(hanging.key());
      warned.remove(hanging.key());
      aborted.incrementAndGet();
      return null;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      String why = e instanceof ExecutionException && e.getCause() != null ? e.getCause().toString() : e.toString();
      if (warned.add(hanging.key())) {
        log.error("hanging transaction on {}: {}, and aborting it failed ({}); with the permission it needs, run: {}",
            hanging, stops(hanging), why, hanging.abortCommand(bootstrapServers));
      }
      return why;
    }
  }
}
