package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.Detectors;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.ModelBundle;
import dev.advmon.registry.HttpSchemaRegistryClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the configuration reference, or checks a configuration file without starting anything. */
@Command(name = "config", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:the reference was printed, or FILE is valid (its notes and warnings do not change that)",
        ExitStatus.ERROR},
    description = "Print the settings reference (Markdown), or validate a configuration file.")
final class ConfigCommand implements Callable<Integer> {

  @Option(names = "--check", paramLabel = "FILE", description = "Validate FILE (plus environment overrides) as `run` reads it, its required settings, model bundle (checked against its model on the CPU) and calibration included, and exit.")
  Path check;

  @Override
  public Integer call() throws IOException {
    if (check != null) {
      MonitorConfig c = MonitorConfig.load(check, System.getenv(), Map.of(), Main.home()).validated()
          .require(RunCommand.REQUIRED);
      // what `run` refuses before it connects to anything: the bundle and its calibration
      ModelBundle bundle = BundleSetting.load(c);
      // and the manifest against model.onnx (input name and shape, output names, labels, outputs.kind, a batch axis),
      // which `run` checks only when it loads the model: without this a manifest the model refuses read as valid. On
      // the CPU whatever model.engine says, since the machine that checks a file need not have the GPU that runs it.
      // Before the calibration, as `run` does: an input the model refuses would otherwise read as a stale calibration
      // and send the user to recalibrate a bundle that cannot load.
      try (DjlClassifier checked = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME, InferenceThreads.of(1, 1))) {
        // loading runs the checks
      }
      int detectors = Detectors.forBundle(bundle).size();
      // and the registry client `run` builds before it connects, which refuses a registry.url carrying user info
      // and a trust store it cannot read; building it connects to nothing
      new HttpSchemaRegistryClient(Wiring.registrySettings(c));
      // and the Kafka clients' trust and key stores, which the clients read only when `run` builds the first one
      dev.advmon.config.KafkaTlsStores.check(c);
      System.out.println(check + ": valid (model " + bundle.directory() + ", " + detectors + " detectors)");
      List<String> raised = c.raisedDefaults();
      raised.forEach(line -> System.out.println("note: " + line));
      // which of the file, the environment and the command line each value came from; secrets hidden. A raised
      // default is not "at its default": the heading points to its note rather than contradict it
      System.out.println("values set in the file, the environment or on the command line (any other is at its default"
          + (raised.isEmpty() ? "" : ", or raised as noted above") + "):");
      c.setValues().forEach(line -> System.out.println("  " + line));
      if (detectors == 0) {
        System.out.println("warning: " + bundle.directory() + " has no " + ModelBundle.CALIBRATION + ": the monitor "
            + "would score frames but raise no alert; run ./monitor calibrate --model " + bundle.directory());
      }
    } else {
      System.out.print(MonitorConfig.reference());
    }
    return 0;
  }
}
