package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostCheckTest {

  private static final InetAddress LOCAL = InetAddress.getLoopbackAddress();

  private static InetAddress remote() throws Exception {
    return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 7}); // TEST-NET-1: another machine
  }

  @Test
  void aLoopbackNameFromAnotherMachineIsRefusedOnANonLoopbackBindWithoutAToken() throws Exception {
    HostCheck open = new HostCheck(List.of(), false, false);
    assertThat(open.accepts("localhost:8080", remote())).as("anyone can send Host: localhost").isFalse();
    assertThat(open.accepts("127.0.0.1", remote())).isFalse();
    assertThat(open.accepts("localhost:8080", LOCAL)).as("a client on this host").isTrue();
    assertThat(open.accepts("[::1]:8080", LOCAL)).isTrue();
  }

  @Test
  void onALoopbackBindLoopbackNamesAreAcceptedAndOthersOnlyFromTheList() throws Exception {
    HostCheck loopback = new HostCheck(List.of("advmon.prod.svc"), true, false);
    assertThat(loopback.accepts("localhost", LOCAL)).isTrue();
    assertThat(loopback.accepts("advmon.prod.svc:8080", remote())).isTrue();
    assertThat(loopback.accepts("evil.example", LOCAL)).as("a rebinding page's name").isFalse();
  }

  @Test
  void aTokenOnANonLoopbackBindWithNoListAcceptsAnyHostAndAStarAlways() throws Exception {
    assertThat(new HostCheck(List.of(), false, true).accepts("10.1.2.3:8080", remote())).isTrue();
    assertThat(new HostCheck(List.of("*"), false, false).accepts("anything", remote())).isTrue();
  }
}
