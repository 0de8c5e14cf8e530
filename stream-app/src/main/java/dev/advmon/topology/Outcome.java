package dev.advmon.topology;

import dev.advmon.schema.DeadLetter;

/** What a step of the topology made of a record: a value for the next step, or a dead letter. */
public sealed interface Outcome<T> {

  record Ok<T>(T value) implements Outcome<T> {}

  record Dead<T>(DeadLetter letter) implements Outcome<T> {}

  default boolean isDead() {
    return this instanceof Dead;
  }

  default T value() {
    if (this instanceof Ok<T> ok) {
      return ok.value();
    }
    throw new IllegalStateException("dead letter has no value");
  }

  default DeadLetter letter() {
    if (this instanceof Dead<T> dead) {
      return dead.letter();
    }
    throw new IllegalStateException("not a dead letter");
  }
}
