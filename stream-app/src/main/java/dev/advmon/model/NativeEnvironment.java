package dev.advmon.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the machine offers a GPU engine: a CUDA device, native libraries, and which build of ONNX Runtime and
 * which DJL engines are on the classpath. An interface so that the engine choice can be tested for machines we
 * do not have (every GPU machine, here).
 */
public interface NativeEnvironment {

  /** Where a CUDA device was seen (e.g. "/dev/nvidia0"), or empty. */
  Optional<String> cudaDevice();

  /** Where the shared library {@code fileName} (e.g. "libnvinfer.so.8") was found, or empty. */
  Optional<Path> findLibrary(String fileName);

  /**
   * Where the ONNX Runtime build on the classpath has the native library {@code fileName} (e.g.
   * "libonnxruntime_providers_cuda.so", only in the GPU build), or empty: the folder named by the system property
   * {@code onnxruntime.native.path} (the container images unpack the natives there), else the jar's resources.
   */
  Optional<String> onnxRuntimeNative(String fileName);

  /** Whether {@code className} can be loaded (a DJL engine's jar is on the classpath), without initialising it. */
  boolean hasClass(String className);

  /** The real machine: device files, LD_LIBRARY_PATH, the usual library folders and the ldconfig cache. */
  static NativeEnvironment system() {
    return new NativeEnvironment() {
      private List<String> ldconfigCache;

      @Override
      public Optional<String> cudaDevice() {
        for (String dev : List.of("/dev/nvidia0", "/dev/nvidiactl", "/dev/dxg")) {
          if (Files.exists(Path.of(dev))) {
            return Optional.of(dev);
          }
        }
        return Optional.empty();
      }

      @Override
      public Optional<Path> findLibrary(String fileName) {
        List<String> dirs = new ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
          dirs.addAll(List.of(ld.split(":")));
        }
        // /usr/local/nvidia/lib64: where NVIDIA's device plugin / container toolkit mounts the driver on some clusters
        dirs.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/cuda/lib64",
            "/usr/local/nvidia/lib64", "/usr/local/tensorrt/lib", "/usr/local/lib", "/usr/lib64", "/usr/lib"));
        for (String d : dirs) {
          if (!d.isBlank() && Files.exists(Path.of(d, fileName))) {
            return Optional.of(Path.of(d, fileName));
          }
        }
        for (String line : ldconfig()) {
          if (line.trim().startsWith(fileName + " ")) {
            return Optional.of(Path.of(line.substring(line.lastIndexOf("=>") + 2).trim()));
          }
        }
        return Optional.empty();
      }

      @Override
      public Optional<String> onnxRuntimeNative(String fileName) {
        String dir = System.getProperty("onnxruntime.native.path");
        if (dir != null && !dir.isBlank() && Files.isRegularFile(Path.of(dir, fileName))) {
          return Optional.of(Path.of(dir, fileName).toString());
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        String folder = arch.equals("aarch64") ? "linux-aarch64" : "linux-x64";
        java.net.URL url = NativeEnvironment.class.getResource("/ai/onnxruntime/native/" + folder + "/" + fileName);
        return url == null ? Optional.empty() : Optional.of(url.toString());
      }

      @Override
      public boolean hasClass(String className) {
        try {
          Class.forName(className, false, NativeEnvironment.class.getClassLoader());
          return true;
        } catch (ClassNotFoundException | LinkageError e) {
          return false;
        }
      }

      private synchronized List<String> ldconfig() {
        if (ldconfigCache == null) {
          ldconfigCache = List.of();
          for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
            if (Files.isExecutable(Path.of(exe))) {
              try {
                Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                p.waitFor(5, TimeUnit.SECONDS);
                ldconfigCache = out.lines().toList();
              } catch (IOException e) {
                // no cache to read: the folder search above is all we have
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              break;
            }
          }
        }
        return ldconfigCache;
      }
    };
  }
}
