/**
 * The operator dashboard's data: the latest alerts with a picture of their frame, the evidence overlay, and
 * alerts over time. Served by {@link dev.advmon.http.MonitorHttpServer}; the page itself is a classpath
 * resource next to these classes.
 */
package dev.advmon.dashboard;
