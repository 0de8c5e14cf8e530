package dev.advmon.registry;

import org.apache.avro.Schema;

/**
 * Walks an Avro binary body along its writer schema before it is decoded, and refuses a length or item count
 * that the bytes left cannot hold. Avro's decoder allocates a string, a byte array or a list as large as its
 * length prefix says before it reads the contents, so a 13-byte record declaring a 2 GB image would end in an
 * OutOfMemoryError: an Error, not a dead letter, and the same record again after every restart. Here it is a
 * BAD_AVRO dead letter like any other corrupt body. Stateless; one instance per check. Public for the topology, which
 * decodes a value as a Frame body alone to tell a producer that put the schema id in a header what to change.
 */
public final class DeclaredLengths {

  /** Deeper nesting than this (only a recursive schema gets there) is refused rather than risk the stack. */
  static final int MAX_DEPTH = 256;

  private final byte[] data;
  private final int end;
  private final int length;
  private int pos;
  // Items of every array and map together may not outnumber the body's bytes. Items that take bytes cannot anyway;
  // items that take none (null, an empty record) could, block after block, declare ~10^13 items in a 10 MB record:
  // hours of walking here and in Avro's skip, then the same record again after the liveness restart.
  private long itemsLeft;

  private DeclaredLengths(byte[] data, int offset, int length) {
    this.data = data;
    this.pos = offset;
    this.end = offset + length;
    this.length = length;
    this.itemsLeft = length;
  }

  /**
   * Checks {@code length} bytes of {@code data} from {@code offset} as one datum of {@code writer}.
   *
   * @return null when every declared length fits, else what does not
   */
  public static String problem(Schema writer, byte[] data, int offset, int length) {
    DeclaredLengths walk = new DeclaredLengths(data, offset, length);
    try {
      walk.datum(writer, 0);
      return null;
    } catch (Refused e) {
      return e.getMessage();
    }
  }

  private void datum(Schema s, int depth) {
    if (depth > MAX_DEPTH) {
      throw new Refused("it nests deeper than " + MAX_DEPTH + " levels");
    }
    switch (s.getType()) {
      case NULL -> { }
      case BOOLEAN -> skip(1, "a boolean");
      case INT, LONG, ENUM -> varLong();
      case FLOAT -> skip(4, "a float");
      case DOUBLE -> skip(8, "a double");
      case STRING, BYTES -> skip(length(s.getType().getName()), s.getType().getName());
      case FIXED -> skip(s.getFixedSize(), "a fixed of " + s.getFixedSize() + " bytes");
      case RECORD -> {
        for (Schema.Field f : s.getFields()) {
          datum(f.schema(), depth + 1);
        }
      }
      case UNION -> {
        long branch = varLong();
        if (branch < 0 || branch >= s.getTypes().size()) {
          throw new Refused("a union branch " + branch + " is not one of the " + s.getTypes().size() + " branches");
        }
        datum(s.getTypes().get((int) branch), depth + 1);
      }
      case ARRAY -> blocks(s.getElementType(), false, depth);
      case MAP -> blocks(s.getValueType(), true, depth);
    }
  }

  private void blocks(Schema item, boolean map, int depth) {
    while (true) {
      long count = varLong();
      if (count == 0) {
        return;
      }
      if (count == Long.MIN_VALUE) { // negated, it stays negative: it would slip past the checks below
        throw new Refused("a block declares " + count + " items: no such count (-2^63 has no positive counterpart)");
      }
      if (count < 0) { // a block with its size in bytes
        count = -count;
        long size = varLong();
        if (size < 0 || size > remaining()) {
          throw new Refused("a block declares " + size + " bytes with " + remaining() + " left");
        }
      }
      // every item takes at least one byte but those of empty types: more items than bytes is no real frame
      if (count > remaining()) {
        throw new Refused("a block declares " + count + " items with " + remaining() + " bytes left");
      }
      if (count > itemsLeft) {
        throw new Refused("its arrays and maps declare more items in all than the body's " + length + " bytes (items "
            + "that take no bytes, such as nulls, are never that many in a real record)");
      }
      itemsLeft -= count;
      for (long i = 0; i < count; i++) {
        if (map) {
          skip(length("map key"), "a map key");
        }
        datum(item, depth + 1);
      }
    }
  }

  private long length(String what) {
    long n = varLong();
    if (n < 0 || n > remaining()) {
      throw new Refused("a " + what + " declares " + n + " bytes with " + remaining() + " left");
    }
    return n;
  }

  private void skip(long n, String what) {
    if (n > remaining()) {
      throw new Refused("the body ends inside " + what);
    }
    pos += (int) n;
  }

  private int remaining() {
    return end - pos;
  }

  /** Avro's zig-zag variable-length long. */
  private long varLong() {
    long raw = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw new Refused("the body ends inside a number");
      }
      int b = data[pos++] & 0xff;
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return (raw >>> 1) ^ -(raw & 1);
      }
    }
    throw new Refused("a number is longer than 10 bytes");
  }

  /** Control flow only: what did not fit, without a stack trace. */
  private static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }
}
