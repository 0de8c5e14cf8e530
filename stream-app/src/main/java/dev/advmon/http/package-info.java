/**
 * HTTP endpoints: health, metrics, dashboard.
 */
package dev.advmon.http;
