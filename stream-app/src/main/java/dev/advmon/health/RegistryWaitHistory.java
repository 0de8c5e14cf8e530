package dev.advmon.health;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What each of several registry.url entries did over the start-up's whole wait for the registry, for its give-up: the
 * give-up told the last try alone, so a URL that answered 503 at one try and timed out at the last (or that the last
 * try's deadline left untried) read "still unreachable", and the heading said what the wait does not support. Each URL
 * keeps its last outcome where a try reached it, and, where it answered at some try but not at the last that reached
 * it, that answer too ("no answer within 10000 ms, earlier HTTP 503"). Used by one start-up thread.
 */
public final class RegistryWaitHistory {

  /** Each URL, in registry.url's order, to its last outcome where a try reached it, else to why none did. */
  private final Map<String, String> last = new LinkedHashMap<>();
  /** Each URL that answered at some try (an HTTP error, a refused certificate, ...) to its latest answer. */
  private final Map<String, String> answers = new HashMap<>();
  private boolean cut;

  /** Adds the try that failed with {@code e}; a failure that tells of one URL only is left to the single-URL words. */
  public void add(Exception e) {
    Map<String, String> failures = EachRegistryUrl.failures(e);
    if (failures == null) {
      return;
    }
    // the last try's, not any try's: a try the call's deadline did not cut reached every URL (the client counts one
    // left untried as cut), so its words replace every earlier try's, and an earlier cut's note would explain words no
    // longer shown; a cut try's untried URL keeps an earlier try's words, and the note tells of the others'
    cut = EachRegistryUrl.cutByDeadline(e);
    failures.forEach((url, words) -> {
      if (!EachRegistryUrl.unasked(words) || !last.containsKey(url)) {
        last.put(url, words);
      }
      if (EachRegistryUrl.answered(words)) {
        answers.put(url, words);
      }
    });
  }

  /** The give-up's heading over the wait ({@link EachRegistryUrl#state(Exception)}); null before a several-URL try. */
  public String state() {
    return last.isEmpty() ? null : EachRegistryUrl.state(words());
  }

  /** Each URL and what it did over the wait, as {@link EachRegistryUrl#whole(Exception)}; null as {@link #state}. */
  public String whole() {
    return last.isEmpty() ? null : EachRegistryUrl.whole(words(), cut);
  }

  private Map<String, String> words() {
    Map<String, String> words = new LinkedHashMap<>();
    last.forEach((url, outcome) -> {
      String answer = answers.get(url);
      words.put(url, answer == null || EachRegistryUrl.answered(outcome) ? outcome
          : outcome + EachRegistryUrl.EARLIER + answer);
    });
    return words;
  }
}
