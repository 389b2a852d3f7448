package io.quiver.chaos;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** Progress lines on standard error; standard output carries only the summary line. */
final class Progress {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Progress() {}

    static void say(String format, Object... args) {
        System.err.println(
                "chaos " + LocalTime.now().format(TIME) + " " + String.format(format, args));
    }
}
