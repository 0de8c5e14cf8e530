package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a clean shutdown leaves the group: only when another instance can take the partitions over. */
class LeaveDecisionTest {

  private static LeaveDecision.MembersLookup members(String... groupInstanceIds) {
    return () -> Arrays.asList(groupInstanceIds);
  }

  @Test
  void anInstanceAloneInTheGroupStaysAStaticMemberSoThatItsRestartNeedsNoRebalance() {
    LeaveDecision.Outcome o = LeaveDecision.decide("auto", "advmon-pod-0", members("advmon-pod-0-1", "advmon-pod-0-2"));
    assertThat(o.leave()).isFalse();
    assertThat(o.reason()).contains("no other instance");
  }

  @Test
  void anInstanceLeavesWhenAnotherInstanceIsInTheGroup() {
    LeaveDecision.Outcome o = LeaveDecision.decide("auto", "advmon-pod-0",
        members("advmon-pod-0-1", "advmon-pod-1-1", "advmon-pod-1-2"));
    assertThat(o.leave()).isTrue();
    assertThat(o.reason()).contains("advmon-pod-1-1", "advmon-pod-1-2").doesNotContain("advmon-pod-0-1");
  }

  @Test
  void anInstanceWhoseIdOnlyStartsWithOursIsAnother() {
    // advmon-pod-1 and advmon-pod-10 share a prefix; pod-10's thread 1 is advmon-pod-10-1, not pod-1's thread 0-1
    assertThat(LeaveDecision.others("advmon-pod-1", List.of("advmon-pod-1-1", "advmon-pod-10-1")))
        .containsExactly("advmon-pod-10-1");
  }

  @Test
  void aMemberWithoutAGroupInstanceIdIsAnotherInstance() {
    assertThat(LeaveDecision.decide("auto", "advmon-a", members("advmon-a-1", null)).leave()).isTrue();
  }

  @Test
  void whenTheMembersCannotBeReadItLeavesInCaseOthersWait() {
    LeaveDecision.Outcome o = LeaveDecision.decide("auto", "advmon-a", () -> {
      throw new java.util.concurrent.TimeoutException("broker gone");
    });
    assertThat(o.leave()).isTrue();
    assertThat(o.reason()).contains("broker gone");
  }

  @Test
  void trueAndFalseAreObeyedWithoutAskingTheBroker() {
    LeaveDecision.MembersLookup never = () -> {
      throw new AssertionError("the broker was asked");
    };
    assertThat(LeaveDecision.decide("true", "advmon-a", never).leave()).isTrue();
    assertThat(LeaveDecision.decide("false", "advmon-a", never).leave()).isFalse();
  }
}
