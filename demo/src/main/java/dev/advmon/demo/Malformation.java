package dev.advmon.demo;

/** The ways the replay breaks a record, each with the dead-letter reason the monitor must give it. */
enum Malformation {
  GARBAGE_BYTES("BAD_MAGIC_BYTE"),
  UNKNOWN_SCHEMA_ID("UNKNOWN_SCHEMA"),
  TRUNCATED_AVRO("BAD_AVRO"),
  TRUNCATED_PNG("UNDECODABLE_IMAGE"),
  PNG_BOMB_HEADER("IMAGE_TOO_LARGE"),
  EMPTY_FRAME_ID("INVALID_FRAME");

  final String expectedReason;

  Malformation(String expectedReason) {
    this.expectedReason = expectedReason;
  }
}
