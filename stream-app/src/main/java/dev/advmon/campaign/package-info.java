/**
 * Per-camera campaigns: each camera's share of flagged frames per time window against a baseline, so that a
 * camera under persistent attack (a sticker on the lens, a universal perturbation) raises one CAMPAIGN alert
 * instead of a stream of frame alerts, and a CAMPAIGN_CLEARED notice when it recovers. Pure logic; the
 * topology keeps the state in a store. It also owns how a camera is named in every alert id ({@link AlertIds}).
 */
package dev.advmon.campaign;
