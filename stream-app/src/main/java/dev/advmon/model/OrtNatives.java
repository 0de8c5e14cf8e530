package dev.advmon.model;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime's native libraries (21 MB on linux-x64) loaded from one copy in the {@link NativeLibraryCache} instead
 * of a new {@code onnxruntime-java*} folder in {@code java.io.tmpdir} per process. ONNX Runtime 1.21's loader
 * ({@code ai.onnxruntime.OnnxRuntime.init}) makes that folder at every start, copies its libraries into it, and marks
 * the folder for deletion before the files in it, so even a normal exit leaves the empty folder behind (a kill -9
 * leaves the libraries too). Given the system property {@code onnxruntime.native.path}, it loads
 * {@code libonnxruntime} and {@code libonnxruntime4j_jni} from that folder without copying them; it still makes its
 * temp folder (empty unless the jar carries provider libraries: the GPU build), which {@link #removeEmptyTempFolder}
 * then removes.
 *
 * <p>The copy is kept in {@code onnxruntime-<version>-<platform>-<digest>} under the cache, the digest taken over the
 * libraries' names, sizes and CRCs from the jar's index (no need to read 21 MB at each start), so an upgrade or the
 * GPU build gets its own folder. A folder named by {@code onnxruntime.native.path} already (the container images'
 * {@code /app/native}) is used as it is.
 */
public final class OrtNatives {

  /** ONNX Runtime's own property: the folder it loads its libraries from. */
  static final String PATH_PROPERTY = "onnxruntime.native.path";
  /**
   * Every library ONNX Runtime's loader looks for (its names, before {@link System#mapLibraryName}); which of them the
   * jar carries depends on the build. The providers' are loaded by ONNX Runtime itself from the folder it loaded from.
   */
  static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni", "onnxruntime_providers_shared",
      "onnxruntime_providers_cuda", "onnxruntime_providers_rocm", "onnxruntime_providers_dnnl",
      "onnxruntime_providers_openvino", "onnxruntime_providers_tensorrt", "onnxruntime_providers_qnn");

  private static final Logger log = LoggerFactory.getLogger(OrtNatives.class);
  private static boolean prepared;

  private OrtNatives() {}

  /**
   * Points ONNX Runtime at the cache's copy of its libraries, copying them there first if needed; call before ONNX
   * Runtime initialises (before DJL's OnnxRuntime engine is loaded). Later calls, and a path set already, change
   * nothing. Where the cache cannot be written, ONNX Runtime's own loader is left to copy them, with one warning.
   */
  public static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    String platform = platform();
    Path cache = NativeLibraryCache.root();
    if (System.getProperty(PATH_PROPERTY) != null || platform == null || cache == null) {
      return; // a folder chosen by whoever started us, or a platform ONNX Runtime names otherwise: its own loader
    }
    try {
      Path dir = extract(cache, platform);
      System.setProperty(PATH_PROPERTY, dir.toString());
      log.debug("ONNX Runtime's native libraries: {}", dir);
    } catch (IOException | RuntimeException e) {
      log.warn("cannot keep ONNX Runtime's native libraries in {} ({}); ONNX Runtime copies them into a new"
          + " onnxruntime-java* folder in java.io.tmpdir at each start instead, and leaves it there: make {} writable"
          + " or set -D{}=DIR", cache, e.toString(), cache, NativeLibraryCache.CACHE_PROPERTY);
    }
  }

  /**
   * The folder under {@code cache} holding the jar's libraries for {@code platform} (e.g. "linux-x64"), copied there
   * unless whole copies are there already.
   */
  static Path extract(Path cache, String platform) throws IOException {
    List<Library> libraries = new ArrayList<>();
    StringBuilder identity = new StringBuilder();
    for (String name : LIBRARIES) {
      String file = System.mapLibraryName(name);
      URL url = OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform + "/" + file);
      if (url != null) {
        Library library = Library.at(url, file);
        libraries.add(library);
        identity.append(file).append(' ').append(library.size).append(' ').append(library.crc).append('\n');
      }
    }
    if (libraries.stream().noneMatch(l -> l.file.equals(System.mapLibraryName("onnxruntime4j_jni")))) {
      throw new IOException("the ONNX Runtime jar has no native libraries for " + platform);
    }
    Path dir = cache.resolve("onnxruntime-" + version() + "-" + platform + "-"
        + NativeLibraryCache.digest(identity.toString().getBytes(StandardCharsets.UTF_8)));
    for (Library l : libraries) {
      NativeLibraryCache.keep(dir.resolve(l.file), l.size, out -> {
        try (InputStream in = l.url.openStream()) {
          in.transferTo(out);
        }
      });
    }
    return dir;
  }

  /**
   * Removes the empty {@code onnxruntime-java*} folder that ONNX Runtime made in {@code java.io.tmpdir} although it
   * loaded from {@code onnxruntime.native.path}; call once ONNX Runtime is initialised. A folder with files in it (the
   * GPU build copies its provider libraries there all the same) is left to ONNX Runtime. Reads ONNX Runtime's private
   * field: should a later version rename it, the folder stays, as before, and RunCommandIT, which counts them, fails.
   */
  public static void removeEmptyTempFolder() {
    if (System.getProperty(PATH_PROPERTY) == null) {
      return; // unset: ONNX Runtime extracted its libraries into its temp folder, which it then owns
    }
    try {
      Class<?> loader = Class.forName("ai.onnxruntime.OnnxRuntime", false, OrtEnvironment.class.getClassLoader());
      Field field = loader.getDeclaredField("tempDirectory");
      field.setAccessible(true);
      if (field.get(null) instanceof Path dir) {
        Files.deleteIfExists(dir);
      }
    } catch (DirectoryNotEmptyException e) {
      // provider libraries ONNX Runtime copied itself: it deletes them at exit
    } catch (ReflectiveOperationException | IOException | RuntimeException e) {
      log.debug("ONNX Runtime's temp folder stays in java.io.tmpdir ({})", e.toString());
    }
  }

  /** ONNX Runtime's name for this machine's folder in its jar (as its loader computes it), or null. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win"
        : os.contains("nux") ? "linux" : null;
    String a = arch.startsWith("amd64") || arch.startsWith("x86_64") ? "x64" : arch.startsWith("aarch64") ? "aarch64"
        : null;
    return o == null || a == null ? null : o + "-" + a;
  }

  private static String version() {
    String v = OrtEnvironment.class.getPackage().getImplementationVersion();
    return v == null ? "unknown" : v;
  }

  /** One library in the jar: its size and CRC from the jar's index (-1 where the class path is a folder). */
  private record Library(URL url, String file, long size, long crc) {
    static Library at(URL url, String file) throws IOException {
      URLConnection c = url.openConnection();
      long crc = c instanceof JarURLConnection jar ? jar.getJarEntry().getCrc() : -1;
      return new Library(url, file, c.getContentLengthLong(), crc);
    }
  }
}
