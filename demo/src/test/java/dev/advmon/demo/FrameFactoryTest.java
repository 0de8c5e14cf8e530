package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.advmon.registry.AvroSerde;
import dev.advmon.registry.InMemorySchemaRegistry;
import dev.advmon.schema.Frame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameFactoryTest {

  /** The committed fixtures, from the module folder that surefire runs in. */
  private static final Path FIXTURES = Path.of("..", "models", "fixtures");
  /** The bundled model, whose manifest names the classes of the labels.csv files below. */
  private static final Path BUNDLED = Path.of("..", "models", "fashion-mnist-cnn");

  private static FrameFactory factory(List<FrameFactory.AttackFrame> attacks, long seed) {
    return new FrameFactory(List.of(), FIXTURES, attacks, null, "frames", seed);
  }

  /**
   * --images split each labels.csv row at every comma, so a file name that holds one, quoted as a spreadsheet writes
   * it, was read as the file '"shirt' and the label ' red.png"'. The demo reads labels.csv by evaluate's rule.
   */
  @Test
  void readsALabelsRowWhoseQuotedFileNameHoldsAComma(@TempDir Path dir) throws IOException {
    BufferedImage shirt = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    ImageIO.write(shirt, "png", dir.resolve("shirt, red.png").toFile());
    Files.writeString(dir.resolve("labels.csv"), "file,label\n\"shirt, red.png\",6\n");
    List<FrameFactory.EvalImage> images = FrameFactory.loadEvalSet(dir, null);
    assertThat(images).singleElement().satisfies(i -> {
      assertThat(i.file()).isEqualTo("shirt, red.png");
      assertThat(i.label()).isEqualTo(6);
    });
  }

  @Test
  void replaysRealAttacksOnTheBundledModelNotNoise() throws IOException {
    List<FrameFactory.AttackFrame> attacks = FrameFactory.loadAttackFrames(FIXTURES);
    FrameFactory f = factory(attacks, 42);
    Set<String> families = new HashSet<>();
    Set<String> kinds = new HashSet<>();
    for (int i = 0; i < 400; i++) {
      FrameFactory.AttackFrame a = f.attackFor(new ReplayPlan.Planned(i, "f" + i, "cam-01", TruthKind.PERTURBATION, 0, null));
      families.add(a.family());
      kinds.add(a.kind());
      assertThat(a.trueLabel()).as("a per-frame attack starts from a real image of a known class").isBetween(0, 9);
      assertThat(a.png()).as("PNG signature of %s", a.file()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }
    assertThat(FrameFactory.PER_FRAME_FAMILIES).containsAll(families);
    assertThat(families).as("400 draws reach most per-frame families").hasSizeGreaterThanOrEqualTo(5);
    assertThat(kinds).noneMatch(k -> k.startsWith("adaptive-") || k.startsWith("masked-") || k.equals("uap"));

    FrameFactory.AttackFrame fooling = f.attackFor(new ReplayPlan.Planned(7, "f7", "cam-01", TruthKind.FOOLING, 0, null));
    assertThat(fooling.family()).isEqualTo("fooling");
  }

  @Test
  void theSameSeedAndFrameReplayTheSameFixture() throws IOException {
    List<FrameFactory.AttackFrame> attacks = FrameFactory.loadAttackFrames(FIXTURES);
    ReplayPlan.Planned p = new ReplayPlan.Planned(13, "f13", "cam-02", TruthKind.PERTURBATION, 0, null);
    assertThat(factory(attacks, 42).attackFor(p).file()).isEqualTo(factory(attacks, 42).attackFor(p).file());
    Set<String> bySeed = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      bySeed.add(factory(attacks, seed).attackFor(p).file());
    }
    assertThat(bySeed).as("another seed draws other fixtures").hasSizeGreaterThan(1);
  }

  @Test
  void namesTheMissingManifestAndTheBadColumn(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> FrameFactory.loadAttackFrames(dir))
        .isInstanceOf(IOException.class).hasMessageContaining(dir.resolve("manifest.csv").toString())
        .hasMessageContaining("restore it").hasMessageContaining("models/recipe/attacks.py");
    Files.writeString(dir.resolve("manifest.csv"), "file,kind,family\nx.png,fgsm,linf\n");
    assertThatThrownBy(() -> FrameFactory.loadAttackFrames(dir))
        .hasMessageContaining("manifest.csv").hasMessageContaining("true_label");
    Files.writeString(dir.resolve("manifest.csv"), "file,kind,family,true_label\nx.png,fgsm,linf,shirt\n");
    assertThatThrownBy(() -> FrameFactory.loadAttackFrames(dir))
        .isInstanceOf(IOException.class).hasMessageContaining("row 1").hasMessageContaining("'shirt'");
  }

  @Test
  void refusesFixturesWithoutFoolingImages() {
    FrameFactory.AttackFrame fgsm = new FrameFactory.AttackFrame("a.png", "fgsm", "linf", 3, new byte[] {1});
    assertThatThrownBy(() -> factory(List.of(fgsm), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fooling");
  }

  /**
   * An RGB model's user replays colour images: the stickered camera's frames must keep their colours, as the other
   * cameras' do, so that what sets that camera apart is the perturbation alone (they used to be sent gray).
   */
  @Test
  void theStickeredCameraKeepsTheColoursOfAColourImage(@TempDir Path dir) throws IOException {
    BufferedImage colour = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 8; x++) {
        colour.setRGB(x, y, 150 << 16 | 110 << 8 | 70); // the pattern (at most 40 levels) never clips these
      }
    }
    ImageIO.write(colour, "png", dir.resolve("c.png").toFile());
    Files.writeString(dir.resolve("labels.csv"), "file,label\nc.png,3\n");
    List<FrameFactory.EvalImage> images = FrameFactory.loadEvalSet(dir, null);
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    FrameFactory f = new FrameFactory(images, FIXTURES, FrameFactory.loadAttackFrames(FIXTURES),
        AvroSerde.forClass(Frame.class, registry).serializer(), "frames", 42);

    byte[] value = f.value(new ReplayPlan.Planned(0, "f0", "cam-04", TruthKind.UNIVERSAL, 0, null), 0);
    Frame frame = AvroSerde.forClass(Frame.class, registry).deserializer().deserialize("frames", value);
    ByteBuffer b = frame.getImage().duplicate();
    byte[] png = new byte[b.remaining()];
    b.get(png);
    BufferedImage sent = ImageIO.read(new ByteArrayInputStream(png));

    assertThat(sent.getColorModel().getNumColorComponents()).as("channels of the stickered frame").isEqualTo(3);
    boolean perturbed = false;
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 8; x++) {
        int rgb = sent.getRGB(x, y);
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int bl = rgb & 0xff;
        assertThat(new int[] {r - g, g - bl}).as("pixel %d,%d: one pattern added to every channel", x, y)
            .containsExactly(40, 40);
        perturbed |= r != 150;
      }
    }
    assertThat(perturbed).as("the pattern was added").isTrue();
  }

  /**
   * The replayed attacks are those made for the model's file: the bundled model's, the second classifier's, and for
   * any other model the bundled one's, told apart as made for another model; a copy of a model counts as it.
   */
  @Test
  void replaysTheAttacksMadeForTheModelWhereTheRepositoryHasThem(@TempDir Path dir) throws IOException {
    Path models = Path.of("..", "models");
    Path bundled = models.resolve("fashion-mnist-cnn");
    dev.advmon.model.ModelBundle cnn = dev.advmon.model.ModelBundle.load(bundled);
    assertThat(FrameFactory.fixturesFor(cnn, models)).isEqualTo(models.resolve("fixtures"));
    assertThat(FrameFactory.fixturesAttack(cnn, models.resolve("fixtures"))).isTrue();

    dev.advmon.model.ModelBundle resnet = dev.advmon.model.ModelBundle.load(models.resolve("fashion-mnist-resnet"));
    assertThat(FrameFactory.fixturesFor(resnet, models)).isEqualTo(models.resolve("fixtures-resnet"));
    assertThat(FrameFactory.fixturesAttack(resnet, models.resolve("fixtures"))).isFalse();
    assertThat(Files.exists(models.resolve("fixtures-resnet").resolve("uap-perturbation.png")))
        .as("the second classifier's stickered camera has its own perturbation").isTrue();

    Path tinyRgb = Path.of("..", "stream-app", "src", "test", "resources", "models", "tiny-rgb");
    dev.advmon.model.ModelBundle other = dev.advmon.model.ModelBundle.load(tinyRgb);
    assertThat(FrameFactory.fixturesFor(other, models)).as("none made for it: the bundled model's")
        .isEqualTo(models.resolve("fixtures"));
    assertThat(FrameFactory.fixturesAttack(other, models.resolve("fixtures"))).isFalse();

    Files.copy(bundled.resolve("manifest.json"), dir.resolve("manifest.json"));
    Files.copy(bundled.resolve("model.onnx"), dir.resolve("model.onnx"));
    Files.copy(bundled.resolve("holdout.txt"), dir.resolve("holdout.txt"));
    assertThat(FrameFactory.fixturesAttack(dev.advmon.model.ModelBundle.load(dir), models.resolve("fixtures")))
        .as("a copy").isTrue();
  }

  /**
   * Evaluation images of another size than the fitted perturbation's 28x28: the stickered camera's frames carry it
   * resized, so that the monitor, bringing them back to 28x28, sees about the fitted perturbation (not noise).
   */
  @Test
  void theStickeredCameraCarriesTheFittedPerturbationAtAnotherFrameSize(@TempDir Path dir) throws Exception {
    BufferedImage gray = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
    java.util.Arrays.fill(((java.awt.image.DataBufferByte) gray.getRaster().getDataBuffer()).getData(), (byte) 128);
    ImageIO.write(gray, "png", dir.resolve("g.png").toFile());
    Files.writeString(dir.resolve("labels.csv"), "file,label\ng.png,3\n");
    List<FrameFactory.EvalImage> images = FrameFactory.loadEvalSet(dir, null);
    FrameFactory f = new FrameFactory(images, FIXTURES, FrameFactory.loadAttackFrames(FIXTURES), null, "frames", 42);
    byte[] stickered;
    // surefire runs in the module folder, not the monitor's home: name the committed perturbation itself
    System.setProperty("advmon.demo.uap", FIXTURES.resolve("uap-perturbation.png").toAbsolutePath().toString());
    try {
      stickered = f.universalPng(images.get(0));
    } finally {
      System.clearProperty("advmon.demo.uap");
    }

    dev.advmon.image.ImageDecoder decoder = new dev.advmon.image.ImageDecoder(dev.advmon.image.ImageLimits.defaults());
    dev.advmon.image.ImageConverter converter = new dev.advmon.image.ImageConverter();
    float[] seen = converter.toModelInput(decoder.decode(stickered), 1, 28, 28).data();
    float[] fitted = converter.toModelInput(decoder.decode(Files.readAllBytes(FIXTURES.resolve("uap-perturbation.png"))),
        1, 28, 28).data();
    double diff = 0;
    double strength = 0;
    for (int i = 0; i < seen.length; i++) {
      diff += Math.abs(seen[i] - fitted[i]) * 255;
      strength += Math.abs(fitted[i] * 255 - 128);
    }
    assertThat(diff / seen.length).as("mean difference (levels) from the fitted perturbation, which has mean "
        + "strength %.1f levels", strength / seen.length).isLessThan(2.0);
  }

  /** An editor's empty last line was read as the file "", the folder itself: "IOException: Is a directory". */
  @Test
  void readsAnEvalSetWhoseLabelsCsvEndsWithABlankLine(@TempDir Path dir) throws IOException {
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("a.png").toFile());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\n\n");

    assertThat(FrameFactory.loadEvalSet(dir, null))
        .singleElement().satisfies(img -> assertThat(img.label()).isEqualTo(3));
  }

  /**
   * A labels.csv that calibrate and evaluate read (class names, a spreadsheet's byte order mark, a quoted header and
   * a quoted file name holding a comma, CRLF line ends, a blank line) was refused by --images, which took indices only
   * and cut every row at each comma: one folder, read one way by every command.
   */
  @Test
  void readsClassNamesThroughTheModelAsTheOfflineCommandsDo(@TempDir Path dir) throws Exception {
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("boot, left.png").toFile());
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("b.png").toFile());
    Files.writeString(dir.resolve("labels.csv"),
        "\uFEFF\"file\",\"label\"\r\n\"boot, left.png\",Ankle boot\r\n\r\nb.png,T-shirt/top\r\n");

    assertThat(FrameFactory.loadEvalSet(dir, dev.advmon.model.ModelBundle.load(BUNDLED)))
        .extracting(FrameFactory.EvalImage::file, FrameFactory.EvalImage::label)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("boot, left.png", 9),
            org.assertj.core.groups.Tuple.tuple("b.png", 0));
  }

  /** A name the model does not have is refused as calibrate refuses it: the file, the line, the spelling to write. */
  @Test
  void refusesANameTheModelDoesNotHaveNamingTheFileTheLineAndTheSpelling(@TempDir Path dir) throws IOException {
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("a.png").toFile());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,ankle boot\n");

    assertThatThrownBy(() -> FrameFactory.loadEvalSet(dir, dev.advmon.model.ModelBundle.load(BUNDLED)))
        .hasMessageStartingWith(dir.resolve("labels.csv") + ":2: 'ankle boot' is not one of the model's class names")
        .hasMessageContaining("write 'Ankle boot' (label 9 of ");
  }

  /**
   * One row per image, as calibrate reads labels.csv (README, "Your own model in the demo"): a file listed twice
   * with one class is one image (the old reader replayed it twice), listed with two classes it is refused, naming
   * both lines.
   */
  @Test
  void aFileListedTwiceIsOneImageAndWithTwoClassesIsRefused(@TempDir Path dir) throws IOException {
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("a.png").toFile());
    ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("b.png").toFile());
    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nb.png,1\na.png,3\n");

    assertThat(FrameFactory.loadEvalSet(dir, null)).extracting(FrameFactory.EvalImage::file)
        .containsExactly("a.png", "b.png");

    Files.writeString(dir.resolve("labels.csv"), "file,label\na.png,3\nb.png,1\na.png,4\n");
    assertThatThrownBy(() -> FrameFactory.loadEvalSet(dir, null))
        .hasMessageStartingWith(dir.resolve("labels.csv") + ":4: a.png is listed again, as class 4, after line 2");
  }
}
