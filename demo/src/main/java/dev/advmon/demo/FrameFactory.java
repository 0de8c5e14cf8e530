package dev.advmon.demo;

import dev.advmon.evaluation.CsvTable;
import dev.advmon.evaluation.LabelledFolder;
import dev.advmon.schema.Frame;
import dev.advmon.schema.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Makes the bytes of each planned frame: an Avro Frame (Confluent wire format) whose attributes carry the
 * ground truth ({@code truth.kind}, {@code truth.label}, {@code truth.source}, and {@code truth.attack} for an
 * attacked frame), or a deliberately broken record. Per-frame attacks and fooling images are real attacks on the
 * model, replayed from its committed fixtures ({@link #fixturesFor}: {@code models/fixtures} for the bundled model,
 * {@code models/fixtures-resnet} for the second classifier); the stickered camera's frames are evaluation images
 * with the fitted universal perturbation of the same folder added in pixel space, clipped and re-encoded as PNG.
 */
public final class FrameFactory {

  /** Amplitude of the stickered camera's fixed pattern when no fitted one fits, in 8-bit levels. */
  static final int UNIVERSAL_LEVELS = 40;
  /**
   * Families whose frames one attack changed for that frame alone: the demo's "perturbation" frames. Not universal
   * (the stickered camera stands for those), not overinterpretation, and not the adaptive attack (a white-box
   * attack on the detectors themselves, measured apart by {@code ./monitor evaluate}, with no target).
   */
  static final Set<String> PER_FRAME_FAMILIES =
      Set.of("linf", "minimal-l2", "sparse", "patch", "spatial", "query-score", "query-decision");
  static final String FOOLING_FAMILY = "fooling";

  /**
   * One evaluation image: its file, true class, PNG bytes and its samples, row-major and interleaved: gray
   * ({@code channels} 1) or R, G, B ({@code channels} 3, for an image with colour, so that a stickered frame made
   * from it keeps its colours for an RGB model).
   */
  public record EvalImage(String file, int label, byte[] png, int width, int height, int channels, int[] samples) {}

  /** One attacked frame from a fixture folder: file (relative to it), attack kind, family, true class, PNG bytes. */
  public record AttackFrame(String file, String kind, String family, int trueLabel, byte[] png) {}

  private final List<EvalImage> images;
  private final List<AttackFrame> perFrameAttacks;
  private final List<AttackFrame> foolingImages;
  private final Serializer<Frame> serializer;
  private final String topic;
  private final long seed;
  private final Map<Integer, int[]> universalBySize = new LinkedHashMap<>();
  private final Path fixturesDir;

  /** Frames replaying {@code attacks}, read from {@code fixturesDir}, whose universal perturbation is used too. */
  FrameFactory(List<EvalImage> images, Path fixturesDir, List<AttackFrame> attacks, Serializer<Frame> serializer,
      String topic, long seed) {
    this.images = images;
    this.fixturesDir = fixturesDir;
    this.perFrameAttacks = attacks.stream().filter(a -> PER_FRAME_FAMILIES.contains(a.family())).toList();
    this.foolingImages = attacks.stream().filter(a -> FOOLING_FAMILY.equals(a.family())).toList();
    if (perFrameAttacks.isEmpty() || foolingImages.isEmpty()) {
      throw new IllegalArgumentException("the attack fixtures hold no " + (perFrameAttacks.isEmpty()
          ? "per-frame attacks (families " + PER_FRAME_FAMILIES + ")" : "fooling images (family fooling)")
          + "; restore models/fixtures or pass a fixture folder that has both");
    }
    this.serializer = serializer;
    this.topic = topic;
    this.seed = seed;
  }

  /**
   * The labelled images of {@code dir}, every image decoded once, in the order of its labels.csv: read by
   * {@link LabelledFolder}, the one reader of that file (calibrate, evaluate, audit, corrupt), so that a folder those
   * commands take is read here the same way: a header naming the columns {@code file} and {@code label}, quoted
   * fields, class indices or class names, the names through {@code bundle}'s manifest (the model the frames are
   * replayed to; null: none, and a column of names is refused, saying so). Errors name the file and line.
   */
  public static List<EvalImage> loadEvalSet(Path dir, dev.advmon.model.ModelBundle bundle) throws IOException {
    Path labels = dir.resolve("labels.csv");
    if (!Files.isRegularFile(labels)) {
      throw new IOException("no evaluation images: " + labels + " is missing; pass --images DIR with PNGs and a "
          + "labels.csv (file,label), or restore models/eval/fashion-mnist-test");
    }
    List<EvalImage> out = new ArrayList<>();
    for (Map.Entry<String, Integer> row : LabelledFolder.labels(dir, bundle).entrySet()) {
      String file = row.getKey();
      byte[] png = Files.readAllBytes(dir.resolve(file));
      BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(png));
      if (img == null) {
        throw new IOException(dir.resolve(file) + " is not a readable image");
      }
      int channels = img.getColorModel().getNumColorComponents() >= 3 ? 3 : 1;
      BufferedImage plain = new BufferedImage(img.getWidth(), img.getHeight(),
          channels == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
      plain.getGraphics().drawImage(img, 0, 0, null);
      int[] px = plain.getRaster().getPixels(0, 0, img.getWidth(), img.getHeight(), (int[]) null);
      out.add(new EvalImage(file, row.getValue(), png, img.getWidth(), img.getHeight(), channels, px));
    }
    if (out.isEmpty()) {
      throw new IOException(labels + " lists no images");
    }
    return out;
  }

  /** The model the default attack fixtures (models/fixtures) were made against: the bundled model. */
  static Path fixturesModelDir() {
    return dev.advmon.cli.Main.home().resolve(System.getProperty("advmon.demo.fixtures-model", "models/fashion-mnist-cnn"));
  }

  /**
   * The attack fixtures made for {@code bundle}'s model: the folder in {@code modelsDir} whose {@code model.sha256}
   * (written by models/recipe/attacks.py) is the SHA-256 of the bundle's model file ({@code fixtures-resnet} for the
   * second classifier), else {@code fixtures} (made for the bundled model). The system property
   * {@code advmon.demo.fixtures} names one folder instead.
   */
  static Path fixturesFor(dev.advmon.model.ModelBundle bundle, Path modelsDir) throws IOException {
    String named = System.getProperty("advmon.demo.fixtures");
    if (named != null) {
      return dev.advmon.cli.Main.home().resolve(named);
    }
    if (Files.isDirectory(modelsDir)) {
      String sha = dev.advmon.detect.Detectors.sha256(bundle.modelFile()); // once: a user's model may be large
      try (var folders = Files.list(modelsDir)) {
        for (Path dir : folders.filter(d -> d.getFileName().toString().startsWith("fixtures")).sorted().toList()) {
          if (sha.equalsIgnoreCase(recordedSha256(dir))) {
            return dir;
          }
        }
      }
    }
    return modelsDir.resolve("fixtures");
  }

  /**
   * Whether the attacks in {@code fixturesDir} were made against {@code bundle}'s model: the same model file, byte
   * for byte, as its {@code model.sha256} records (a copy of the model counts; a retrained or another one does not,
   * and an attack made for one model says nothing about how well attacks on another are detected).
   */
  static boolean fixturesAttack(dev.advmon.model.ModelBundle bundle, Path fixturesDir) throws IOException {
    String recorded = recordedSha256(fixturesDir);
    return recorded != null && dev.advmon.detect.Detectors.sha256(bundle.modelFile()).equalsIgnoreCase(recorded);
  }

  /** The SHA-256 of the model the fixtures in {@code fixturesDir} were made against, as recorded; null if none. */
  private static String recordedSha256(Path fixturesDir) throws IOException {
    Path recorded = fixturesDir.resolve("model.sha256");
    return Files.isRegularFile(recorded) ? Files.readString(recorded).trim().split("\\s+")[0] : null;
  }

  /**
   * The attacked frames of a fixture folder ({@code manifest.csv} with at least the columns file, kind, family and
   * true_label, as models/recipe/attacks.py writes it), PNG bytes read once; kinds named {@code adaptive-*} skipped.
   */
  public static List<AttackFrame> loadAttackFrames(Path dir) throws IOException {
    Path manifest = dir.resolve("manifest.csv");
    if (!Files.isRegularFile(manifest)) {
      throw new IOException("no attack fixtures: " + manifest + " is missing; restore it (the demo replays real "
          + "attacks on the model from it, made by models/recipe/attacks.py)");
    }
    CsvTable table = CsvTable.read(manifest); // errors name the file and a missing column
    int file = table.column("file");
    int kind = table.column("kind");
    int family = table.column("family");
    int label = table.column("true_label");
    List<AttackFrame> out = new ArrayList<>();
    for (int r = 0; r < table.size(); r++) {
      if (table.get(r, kind).startsWith("adaptive-")) {
        continue; // the adaptive attack, measured apart
      }
      int trueLabel;
      try {
        trueLabel = Integer.parseInt(table.get(r, label));
      } catch (NumberFormatException e) {
        throw new IOException(manifest + " row " + (r + 1) + ": true_label '" + table.get(r, label)
            + "' is not a class index (-1 for none)", e);
      }
      out.add(new AttackFrame(table.get(r, file), table.get(r, kind), table.get(r, family), trueLabel,
          Files.readAllBytes(dir.resolve(table.get(r, file)))));
    }
    return out;
  }

  /** The fixture an attacked frame replays: a draw from the seed and the frame's sequence, so a run repeats. */
  AttackFrame attackFor(ReplayPlan.Planned p) {
    List<AttackFrame> pool = p.kind() == TruthKind.FOOLING ? foolingImages : perFrameAttacks;
    return pool.get(new Random(seed * 1_000_003L + p.sequence()).nextInt(pool.size()));
  }

  int imageCount() {
    return images.size();
  }

  /** The record value for {@code p}, sent at {@code now}. */
  byte[] value(ReplayPlan.Planned p, long now) {
    EvalImage src = images.get(p.image());
    Map<String, String> truth = new LinkedHashMap<>();
    truth.put("truth.kind", p.kind().attribute());
    byte[] png;
    if (p.kind().fromFixtures()) {
      AttackFrame a = attackFor(p);
      truth.put("truth.label", p.kind() == TruthKind.FOOLING || a.trueLabel() < 0 ? "none" : Integer.toString(a.trueLabel()));
      truth.put("truth.source", "fixtures/" + a.file());
      truth.put("truth.attack", a.kind());
      png = a.png();
    } else {
      truth.put("truth.label", Integer.toString(src.label()));
      truth.put("truth.source", src.file());
      png = p.kind() == TruthKind.UNIVERSAL ? universalPng(src) : src.png();
    }
    if (p.kind() == TruthKind.MALFORMED) {
      truth.put("truth.malformation", p.malformation().name());
      return malformed(p, src.png(), now, truth);
    }
    return serializer.serialize(topic, frame(p.frameId(), p.cameraId(), now, png, truth));
  }

  private static Frame frame(String id, String camera, long now, byte[] png, Map<String, String> attributes) {
    return Frame.newBuilder().setFrameId(id).setCameraId(camera).setSourceId("demo-fleet")
        .setCaptureTime(Instant.ofEpochMilli(now)).setEncoding(ImageEncoding.PNG).setImage(ByteBuffer.wrap(png))
        .setAttributes(attributes).build();
  }

  private byte[] malformed(ReplayPlan.Planned p, byte[] png, long now, Map<String, String> truth) {
    return switch (p.malformation()) {
      case GARBAGE_BYTES -> ("not a frame: " + p.frameId() + " from a camera with broken firmware")
          .getBytes(StandardCharsets.UTF_8);
      case UNKNOWN_SCHEMA_ID -> new byte[] {0, 0, 0, 0x7f, 0x7f, 2, 4, 6};
      case TRUNCATED_AVRO -> Arrays.copyOf(serializer.serialize(topic, frame(p.frameId(), p.cameraId(), now, png, truth)), 12);
      case TRUNCATED_PNG -> serializer.serialize(topic,
          frame(p.frameId(), p.cameraId(), now, Arrays.copyOf(png, png.length / 2), truth));
      case PNG_BOMB_HEADER -> serializer.serialize(topic, frame(p.frameId(), p.cameraId(), now, bombHeader(50_000, 50_000), truth));
      case EMPTY_FRAME_ID -> serializer.serialize(topic, frame("", p.cameraId(), now, png, truth));
    };
  }

  /**
   * The stickered camera's fixed pattern: the universal adversarial perturbation that models/recipe/attacks.py
   * fitted against the bundled model (models/fixtures/uap-perturbation.png, 128 = no change), resized to the frame,
   * else (no such file) seeded noise of the same strength.
   */
  byte[] universalPng(EvalImage src) {
    return encode(src.width(), src.height(), src.channels(), withUniversal(src));
  }

  /**
   * The pattern is one plane, added to every channel of a colour image: a gray model's luma then moves by the same
   * amount (the weights sum to 1), and an RGB model sees the camera's colours, as on the other cameras.
   */
  private int[] withUniversal(EvalImage src) {
    int[] pattern = universalBySize.computeIfAbsent(src.width() * 100_003 + src.height(), k -> {
      int[] fitted = fittedUniversal(src.width(), src.height());
      if (fitted != null) {
        return fitted;
      }
      Random r = new Random(seed ^ 0x5717CE4L); // the same sticker for the whole run, and for every run with this seed
      int[] p = new int[src.width() * src.height()];
      for (int i = 0; i < p.length; i++) {
        p[i] = (int) Math.round(Math.max(-1, Math.min(1, r.nextGaussian() / 2)) * UNIVERSAL_LEVELS);
      }
      return p;
    });
    int[] out = src.samples().clone();
    for (int i = 0; i < out.length; i++) {
      out[i] = clip(out[i] + pattern[i / src.channels()]);
    }
    return out;
  }

  /** Where the fitted universal perturbation lives: beside the replayed attacks; the system property advmon.demo.uap wins. */
  private Path universalPerturbationFile() {
    String named = System.getProperty("advmon.demo.uap");
    return named != null ? dev.advmon.cli.Main.home().resolve(named) : fixturesDir.resolve("uap-perturbation.png");
  }

  /**
   * The fitted pattern at the frame's size (pixels repeated for a larger frame, area-averaged for a smaller one), so
   * that a frame of another size, once the monitor brings it to the model's 28x28, carries about the fitted
   * perturbation again (it used to get seeded noise, which is no attack, yet was counted as
   * one). Null without the file.
   */
  private int[] fittedUniversal(int width, int height) {
    Path file = universalPerturbationFile();
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      dev.advmon.image.DecodedImage uap = new dev.advmon.image.ImageDecoder(dev.advmon.image.ImageLimits.defaults())
          .decode(Files.readAllBytes(file), dev.advmon.image.ImageFormat.PNG, null, null);
      int[] p = new int[width * height];
      if (width >= uap.width() && height >= uap.height()) {
        // each pattern pixel repeated over the frame pixels it covers: the monitor's area averaging gives it back
        // (a smoothing enlargement would blur the pixel-level pattern away, to a third of its strength at 2x)
        for (int y = 0; y < height; y++) {
          int sy = (int) ((y + 0.5) * uap.height() / height);
          for (int x = 0; x < width; x++) {
            p[y * width + x] = uap.sample((int) ((x + 0.5) * uap.width() / width), sy, 0) - 128;
          }
        }
        return p;
      }
      float[] level = new dev.advmon.image.ImageConverter().toModelInput(uap, 1, height, width).data();
      for (int i = 0; i < p.length; i++) {
        p[i] = Math.round(level[i] * 255f) - 128;
      }
      return p;
    } catch (IOException | dev.advmon.image.ImageDecodeException | RuntimeException e) {
      return null; // fall back to noise: the demo must run even without the fixtures
    }
  }

  private static int clip(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private static byte[] encode(int w, int h, int channels, int[] samples) {
    BufferedImage img = new BufferedImage(w, h, channels == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setPixels(0, 0, w, h, samples);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A PNG signature and an IHDR chunk claiming w x h (valid CRC), and nothing else: a decompression bomb's header. */
  static byte[] bombHeader(int w, int h) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    b.putInt(13);
    int typeAt = b.position();
    b.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0)
        .put((byte) 0);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(b.array(), typeAt, 17);
    b.putInt((int) crc.getValue());
    b.putInt(0).put(new byte[] {'I', 'E', 'N', 'D'}).putInt(0xAE426082);
    return b.array();
  }
}
