package dev.advmon.demo;

import org.apache.logging.log4j.LogManager;

/**
 * Run in a JVM of its own by {@link LogSetUpDuringShutdownTest}: sets Log4j up for the first time while the JVM shuts
 * down, as the embedded broker does when a signal arrives while it is built.
 */
final class SetsUpLog4jDuringShutdown {

  private SetsUpLog4jDuringShutdown() {
  }

  public static void main(String[] args) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LogManager.getLogger("broker-start").info("set up")));
    System.out.println("exiting");
  }
}
