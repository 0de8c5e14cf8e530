/**
 * The one validated configuration object: read from a properties file, overridden from the environment, each setting documented, invalid values refused at start-up with the setting's name.
 */
package dev.advmon.config;
