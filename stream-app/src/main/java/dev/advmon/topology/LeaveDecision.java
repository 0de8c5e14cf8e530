package dev.advmon.topology;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;

/**
 * Whether a clean shutdown should leave the consumer group ({@code streams.leave-group-on-close}).
 *
 * <p>Leaving hands this instance's partitions to the other instances at once. When no other instance is in the
 * group, nobody gains from it and the next start pays for it: the group is empty, so the broker waits
 * {@code group.initial.rebalance.delay.ms} (3 s by default) and a second rebalance follows, about 5 s more before the
 * first verdict. So {@code auto} leaves only when the group has members of other instances, and otherwise stays a
 * static member, which a restart with the same instance id takes back without its partitions moving.
 */
final class LeaveDecision {

  /** What to do, and why (for the log). */
  record Outcome(boolean leave, String reason) {}

  private LeaveDecision() {}

  /**
   * @param setting {@code true}, {@code false} or {@code auto}
   * @param ownGroupInstanceId this instance's {@code group.instance.id} prefix; Kafka Streams adds {@code -<thread>}
   */
  static Outcome decide(String setting, String ownGroupInstanceId, MembersLookup members) {
    switch (setting) {
      case "true":
        return new Outcome(true, "streams.leave-group-on-close=true");
      case "false":
        return new Outcome(false, "streams.leave-group-on-close=false");
      default:
        break;
    }
    List<String> others;
    try {
      others = others(ownGroupInstanceId, members.groupInstanceIds());
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return new Outcome(true, "the group's members could not be read (" + e + "), so leaving in case other "
          + "instances are waiting for these partitions");
    }
    if (others.isEmpty()) {
      return new Outcome(false, "no other instance is in the group: staying a member, so that a restart with the "
          + "same instance id within streams.session-timeout-ms takes its partitions back without their moving to another instance");
    }
    return new Outcome(true, others.size() + " member(s) of other instances are in the group and take over at once: "
        + others);
  }

  /** Members that are not this instance's stream threads (a member without a group.instance.id is another's). */
  static List<String> others(String ownGroupInstanceId, Collection<String> groupInstanceIds) {
    String own = ownGroupInstanceId + "-";
    return groupInstanceIds.stream()
        .map(id -> id == null ? "(a member without group.instance.id)" : id)
        .filter(id -> !(id.startsWith(own) && id.substring(own.length()).matches("\\d+")))
        .sorted().toList();
  }

  /** The group.instance.id of every member of the group (null for a dynamic member). */
  @FunctionalInterface
  interface MembersLookup {
    Collection<String> groupInstanceIds() throws Exception;

    /** Asks the broker, bounded by {@code timeout}. */
    static MembersLookup ofGroup(Map<String, Object> kafkaClientProperties, String groupId, Duration timeout) {
      return () -> {
        Admin admin = TopicAdmin.bounded(kafkaClientProperties, groupId + "-leave-check", timeout);
        try {
          ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).describedGroups()
              .get(groupId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          return group.members().stream().map(m -> m.groupInstanceId().orElse(null)).toList();
        } finally {
          admin.close(timeout);
        }
      };
    }
  }
}
