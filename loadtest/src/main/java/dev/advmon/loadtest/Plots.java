package dev.advmon.loadtest;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's PNG plots (JFreeChart, headless): throughput and latency over time, latency against offered rate. */
final class Plots {

  static final String THROUGHPUT = "throughput.png";
  static final String LATENCY = "latency.png";
  static final String LATENCY_VS_RATE = "latency-vs-rate.png";

  private static final int WIDTH = 960;
  private static final int HEIGHT = 480;

  private Plots() {}

  /** Writes the three plots into {@code dir}; returns their file names. */
  static List<String> write(Path dir, String title, List<Sample> timeline, List<StepResult> steps) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<String> written = new ArrayList<>();
    XYSeries offered = new XYSeries("offered (frames/s)");
    XYSeries sent = new XYSeries("confirmed by the broker (frames/s)");
    XYSeries outcomes = new XYSeries("verdicts + dead letters read (frames/s)");
    XYSeries p50 = new XYSeries("p50");
    XYSeries p99 = new XYSeries("p99");
    XYSeries p999 = new XYSeries("p99.9");
    for (Sample s : timeline) {
      offered.add(s.tSeconds(), s.offeredFps());
      sent.add(s.tSeconds(), s.sentFps());
      outcomes.add(s.tSeconds(), s.outcomesFps());
      if (s.p50Ms() != null) { // dead letters stamped by the broker are outcomes without a latency
        p50.add(s.tSeconds(), s.p50Ms());
        p99.add(s.tSeconds(), s.p99Ms());
        p999.add(s.tSeconds(), s.p999Ms());
      }
    }
    save(dir, THROUGHPUT, chart(title + ": throughput over time", "time (s)", "frames/s", offered, sent, outcomes), written);
    save(dir, LATENCY, chart(title + ": end-to-end latency over time (per second)", "time (s)", "latency (ms)",
        p50, p99, p999), written);

    XYSeries r50 = new XYSeries("p50");
    XYSeries r99 = new XYSeries("p99");
    XYSeries r999 = new XYSeries("p99.9");
    for (StepResult st : steps) {
      if (st.stats().latencyMs.getTotalCount() > 0) {
        r50.addOrUpdate(st.offeredFps(), st.stats().latencyMs.getValueAtPercentile(50));
        r99.addOrUpdate(st.offeredFps(), st.stats().latencyMs.getValueAtPercentile(99));
        r999.addOrUpdate(st.offeredFps(), st.stats().latencyMs.getValueAtPercentile(99.9));
      }
    }
    save(dir, LATENCY_VS_RATE, chart(title + ": end-to-end latency against offered rate (per step)",
        "offered rate (frames/s)", "latency (ms)", r50, r99, r999), written);
    return written;
  }

  private static JFreeChart chart(String title, String x, String y, XYSeries... series) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (XYSeries s : series) {
      data.addSeries(s);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    Color[] colours = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c)};
    for (int i = 0; i < series.length; i++) {
      r.setSeriesPaint(i, colours[i % colours.length]);
      r.setSeriesStroke(i, new BasicStroke(1.6f));
      r.setSeriesShapesVisible(i, series[i].getItemCount() <= 40);
    }
    plot.setRenderer(r);
    return chart;
  }

  private static void save(Path dir, String name, JFreeChart chart, List<String> written) throws IOException {
    ChartUtils.saveChartAsPNG(dir.resolve(name).toFile(), chart, WIDTH, HEIGHT);
    written.add(name);
  }
}
