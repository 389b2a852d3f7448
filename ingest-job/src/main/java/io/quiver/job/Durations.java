package io.quiver.job;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.apache.flink.util.TimeUtils;

/** Parses durations as Flink's configuration does ({@code 10s}, {@code 500 ms}) or ISO-8601. */
final class Durations {

    private Durations() {}

    static Duration parse(String option, String text) {
        try {
            if (text.startsWith("P") || text.startsWith("p")) {
                return Duration.parse(text);
            }
            return TimeUtils.parseDuration(text);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    option + " '" + text + "' is not a duration: use e.g. 10s, 500ms or PT10S");
        }
    }
}
