package dev.advmon.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.cli.RedriveCommand.Decision;
import dev.advmon.cli.RedriveCommand.Selection;
import dev.advmon.schema.DeadLetter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What earlier redrive runs sent from one dead-letter partition, kept as the metadata of the redrive group's
 * committed offset for it (committed in the same transaction as the frames sent, so that it cannot say more or less
 * than was sent). It holds each run's selection and the offsets it read, not the offsets it sent: a dead letter was
 * sent if a run read its offset and its selection chose it, which is pure ({@link Selection#decide}), so a dead letter
 * that one run's selection skipped stays sendable by another, and the memory stays small. A run whose selection and
 * offsets take in an earlier one's replaces it.
 */
record RedriveMemory(List<Run> runs) {

  static final RedriveMemory NONE = new RedriveMemory(List.of());
  /** Kafka's default offset.metadata.max.bytes: a larger memory would fail the commit. */
  static final int MAX_BYTES = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One run: it read offsets {@code from} (inclusive) to {@code to} and sent what {@code selection} chose there.
   * {@code said}: its refusals (exit status 1) at offsets before it were said by a run that read to its end; {@code to}
   * when it did itself. A run stopped by an error said only its error: its refusals are refused again by the next run
   * rather than skipped as said. Kept apart from {@code to} so that a stopped run that took in an ended one of its
   * selection (one record's room) leaves that run's refusals said.
   */
  record Run(long from, long to, Selection selection, long said) {

    Run(long from, long to, Selection selection) {
      this(from, to, selection, true);
    }

    /** {@code ended}: it read to its end, so it said what it refused; else it said nothing yet. */
    Run(long from, long to, Selection selection, boolean ended) {
      this(from, to, selection, ended ? to : from);
    }

    /** Whether it read to its end: every refusal it holds was said. */
    boolean ended() {
      return said >= to;
    }

    boolean includes(Run other) {
      return from <= other.from && other.to <= to && selection.includes(other.selection);
    }

    /**
     * This run without the offsets before {@code logStart}, which retention deleted: no run reads them again, and a run
     * from the log start (the one a refusal names) must take in a run that began before it.
     */
    Run from(long logStart) {
      return from < logStart ? new Run(logStart, to, selection, Math.max(said, logStart)) : this;
    }
  }

  /** Whether an earlier run sent the dead letter at {@code offset}. */
  boolean sent(long offset, DeadLetter dl, long timestamp, byte[] recordKey) {
    return sent(offset, dl, timestamp, recordKey, null);
  }

  /** {@code keptCamera}: the camera id of the frame {@code dl} kept, when it has none itself ({@link Selection}). */
  boolean sent(long offset, DeadLetter dl, long timestamp, byte[] recordKey, String keptCamera) {
    return decided(Decision.SEND, offset, dl, timestamp, recordKey, keptCamera);
  }

  /**
   * Whether an earlier run refused the dead letter at {@code offset} as one of another frames topic (and exited 1 for
   * it): read from the same record as what was sent, since the decision is as pure, so a refusal fails one run only.
   */
  boolean refused(long offset, DeadLetter dl, long timestamp, byte[] recordKey) {
    return refused(offset, dl, timestamp, recordKey, null);
  }

  boolean refused(long offset, DeadLetter dl, long timestamp, byte[] recordKey, String keptCamera) {
    return decided(Decision.OTHER_TOPIC, offset, dl, timestamp, recordKey, keptCamera);
  }

  private boolean decided(Decision d, long offset, DeadLetter dl, long timestamp, byte[] recordKey,
      String keptCamera) {
    return runs.stream().anyMatch(r -> r.from <= offset && offset < r.to && (d == Decision.SEND || offset < r.said)
        && r.selection.decide(dl, timestamp, recordKey, keptCamera) == d);
  }

  /**
   * This memory and {@code run}, without the runs it takes in and those whose offsets retention deleted (of the others,
   * only what is left from {@code logStart} on is kept); an earlier run
   * of the same selection over offsets that touch {@code run}'s joins it (one run says the same in less room, and a
   * run repeated after a crash does not need room for two).
   */
  RedriveMemory with(Run run, long logStart) {
    if (run.from >= run.to) {
      return this;
    }
    Run joined = run;
    List<Run> parts = new ArrayList<>(List.of(run));
    List<Run> others = new ArrayList<>();
    for (Run remembered : runs) {
      if (remembered.to <= logStart) {
        continue;
      }
      Run r = remembered.from(logStart);
      if (r.selection.equals(run.selection) && r.from <= joined.to && joined.from <= r.to) {
        joined = new Run(Math.min(r.from, joined.from), Math.max(r.to, joined.to), run.selection, run.said);
        parts.add(r);
      } else {
        others.add(r);
      }
    }
    // a run that read to its end said all it joined, as before; one not ended yet keeps what the runs it took in said
    joined = run.ended() ? new Run(joined.from, joined.to, joined.selection, joined.to) : said(joined, parts);
    List<Run> kept = new ArrayList<>();
    for (Run r : others) {
      // one not ended yet takes in a run only where it says that run's refusals too: else the next run refused them
      // again (room: largestCommit counts every run it does not join)
      if (!joined.includes(r) || r.said > Math.max(r.from, joined.said)) {
        kept.add(r);
      }
    }
    kept.add(joined);
    return new RedriveMemory(List.copyOf(kept));
  }

  /**
   * The largest record that a run over {@code whole}'s offsets commits on its way ({@link #with} at each batch): it
   * takes an earlier run in only once it has read past that run's offsets (one that read to its end: once it has read
   * to its own, in its last commit, so that its refusals stay said), so until then every earlier run stays beside
   * its own, except those of its selection that its first batch joins and those retention deleted.
   */
  int largestCommit(Run whole, long logStart) {
    Run joined = whole;
    List<Run> kept = new ArrayList<>();
    for (Run remembered : runs) {
      if (remembered.to <= logStart) {
        continue;
      }
      Run r = remembered.from(logStart);
      if (r.selection.equals(whole.selection) && r.from <= whole.from && whole.from <= r.to) {
        joined = said(new Run(r.from, Math.max(r.to, joined.to), whole.selection, whole.said), List.of(whole, r));
      } else {
        kept.add(r);
      }
    }
    kept.add(joined);
    return new RedriveMemory(List.copyOf(kept)).bytes();
  }

  /**
   * {@code joined} saying what {@code parts}, the runs it took in, said from its start on (a run stopped by an error
   * that took in one that read to its end leaves that one's refusals said; before, they were refused again); what they
   * said after a gap is refused again (errs towards saying).
   */
  private static Run said(Run joined, List<Run> parts) {
    long said = joined.from;
    for (boolean grew = true; grew; ) {
      grew = false;
      for (Run p : parts) {
        if (p.from <= said && said < p.said) {
          said = p.said;
          grew = true;
        }
      }
    }
    return new Run(joined.from, joined.to, joined.selection, Math.min(said, joined.to));
  }

  /**
   * Whether the broker's limit leaves room beside this record for the run that takes all of it in (its reasons, no
   * cameras or times, over any offsets): while it does, that run commits each batch on its own.
   */
  boolean leavesRoomToTakeAllIn(String framesTopic) {
    if (runs.isEmpty()) {
      return true;
    }
    // not ended, with what an ended run it took in said: as its commits before its last
    Run all = new Run(Long.MAX_VALUE - 2, Long.MAX_VALUE, new Selection(reasons(), Set.of(), null, null, framesTopic),
        Long.MAX_VALUE - 1);
    List<Run> both = new ArrayList<>(runs);
    both.add(all);
    return new RedriveMemory(both).bytes() <= MAX_BYTES;
  }

  /** Every reason an earlier run chose. */
  Set<String> reasons() {
    Set<String> all = new TreeSet<>();
    runs.forEach(r -> all.addAll(r.selection.reasons()));
    return Set.copyOf(all);
  }

  /** What the broker holds to offset.metadata.max.bytes. */
  int bytes() {
    return encode().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /** The offset to commit with it: the end of what was read (what kafka-consumer-groups.sh shows a lag against). */
  long committedOffset(long fallback) {
    return runs.stream().mapToLong(Run::to).max().orElse(fallback);
  }

  String encode() {
    ArrayNode list = JSON.createArrayNode();
    for (Run r : runs) {
      ObjectNode o = list.addObject();
      o.put("from", r.from).put("to", r.to).put("frames", r.selection.framesTopic());
      r.selection.reasons().stream().sorted().forEach(o.putArray("reasons")::add);
      r.selection.cameras().stream().sorted().forEach(o.putArray("cameras")::add);
      if (r.selection.byFrameCamera()) {
        // only then: a record of an earlier version, without it, is of runs that matched the record key alone
        o.put("byFrame", true);
      }
      if (r.selection.since() != null) {
        o.put("since", r.selection.since().toEpochMilli());
      }
      if (r.selection.until() != null) {
        o.put("until", r.selection.until().toEpochMilli());
      }
      if (!r.ended()) {
        o.put("ended", false); // only then: a record of an earlier version, without it, is of runs that said theirs
        if (r.said > r.from) {
          o.put("said", r.said); // beside "ended": a version without it refuses these again, erring towards saying
        }
      }
    }
    ObjectNode root = JSON.createObjectNode().put("redrive", 1);
    root.set("runs", list);
    return root.toString();
  }

  /** {@code metadata} null or empty: nothing remembered (a group reset with kafka-consumer-groups.sh leaves that). */
  static RedriveMemory decode(String metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return NONE;
    }
    try {
      JsonNode root = JSON.readTree(metadata);
      if (root == null || root.path("redrive").asInt() != 1 || !root.path("runs").isArray()) {
        throw new IllegalArgumentException("not redrive's memory (version 1)");
      }
      List<Run> runs = new ArrayList<>();
      for (JsonNode o : root.get("runs")) {
        runs.add(new Run(o.get("from").asLong(), o.get("to").asLong(), new Selection(texts(o.path("reasons")),
            texts(o.path("cameras")), instant(o.get("since")), instant(o.get("until")), o.get("frames").asText(),
            !o.path("byFrame").asBoolean(false)),
            o.path("ended").asBoolean(true) ? o.get("to").asLong() : o.path("said").asLong(o.get("from").asLong())));
      }
      return new RedriveMemory(List.copyOf(runs));
    } catch (JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("unreadable metadata " + metadata + " (" + e.getMessage() + ")", e);
    }
  }

  private static Set<String> texts(JsonNode array) {
    Set<String> s = new TreeSet<>();
    array.forEach(n -> s.add(n.asText()));
    return Set.copyOf(s);
  }

  private static Instant instant(JsonNode millis) {
    return millis == null || millis.isNull() ? null : Instant.ofEpochMilli(millis.asLong());
  }
}
