package io.quiver.query.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records every log event (message and stack traces, formatted) of the whole JVM while open, with
 * {@code io.quiver} and Netty raised to DEBUG so nothing that could leak is filtered out first.
 */
public final class LogCapture implements AutoCloseable {

    private static final String[] RAISED = {"io.quiver", "io.netty"};

    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final List<String> lines = new ArrayList<>();
    private final AbstractAppender appender;
    private final List<LoggerConfig> added = new ArrayList<>();

    public LogCapture() {
        appender =
                new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        StringBuilder line =
                                new StringBuilder()
                                        .append(event.getLevel())
                                        .append(' ')
                                        .append(event.getLoggerName())
                                        .append(" - ")
                                        .append(event.getMessage().getFormattedMessage());
                        for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
                            line.append(" | ").append(t);
                        }
                        synchronized (lines) {
                            lines.add(line.toString());
                        }
                    }
                };
        appender.start();
        Configuration config = context.getConfiguration();
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        for (String name : RAISED) {
            LoggerConfig logger = new LoggerConfig(name, Level.DEBUG, true);
            if (config.getLoggers().containsKey(name)) {
                config.getLoggers().get(name).setLevel(Level.DEBUG);
            } else {
                config.addLogger(name, logger);
                added.add(logger);
            }
        }
        context.updateLoggers();
    }

    /** Every line so far, one per event. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Everything so far as one text. */
    public String text() {
        return String.join("\n", lines());
    }

    @Override
    public void close() {
        Configuration config = context.getConfiguration();
        config.getRootLogger().removeAppender("capture");
        for (LoggerConfig l : added) {
            config.removeLogger(l.getName());
        }
        if (config.getLoggers().containsKey("io.quiver")) {
            config.getLoggers().get("io.quiver").setLevel(Level.INFO);
        }
        context.updateLoggers();
        appender.stop();
    }
}
