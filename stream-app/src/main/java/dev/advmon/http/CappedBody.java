package dev.advmon.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body for the monitor's own HTTP clients (the schema registry's, the peers'), read up to {@code max}
 * bytes: a larger one fails with an IOException that says so and what to check, instead of filling the heap. A URL
 * that points at the wrong service can answer with anything, of any size, without a length up front.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

  private final int max;
  private final String check;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> body = new CompletableFuture<>();
  private Flow.Subscription subscription;

  /** @param check what the too-large message asks to check, e.g. "is the URL a schema registry's API root?" */
  public CappedBody(int max, String check) {
    this.max = max;
    this.check = check;
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return body;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    for (ByteBuffer b : items) {
      if (body.isDone()) {
        return;
      }
      if ((long) bytes.size() + b.remaining() > max) {
        subscription.cancel();
        body.completeExceptionally(new IOException("the answer is larger than " + max + " bytes: " + check));
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      bytes.write(chunk, 0, chunk.length);
    }
  }

  @Override
  public void onError(Throwable t) {
    body.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    body.complete(bytes.toByteArray());
  }
}
