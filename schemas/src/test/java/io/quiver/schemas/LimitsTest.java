package io.quiver.schemas;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    void collectionNamesAreCheckedExactlyAsTheDocumentedPatternSays() {
        List<String> names =
                new ArrayList<>(
                        List.of(
                                "",
                                "a",
                                "docs",
                                "Docs_2-x",
                                "a".repeat(64),
                                "a".repeat(65),
                                "a b",
                                "a/b",
                                "a.b",
                                "é",
                                "\u0663",
                                "ａ",
                                "a\n",
                                "-",
                                "_"));
        Random random = new Random(7);
        String alphabet = "azAZ09_-./ é\u0000~`[]{}";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(70);
            for (int j = 0; j < length; j++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(b.toString());
        }
        for (String name : names) {
            if (name.matches(Limits.COLLECTION_NAME_PATTERN)) {
                assertThatCode(() -> Limits.checkCollectionName(name)).doesNotThrowAnyException();
            } else {
                assertThatThrownBy(() -> Limits.checkCollectionName(name))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("must be 1 to 64 characters");
            }
        }
        assertThatThrownBy(() -> Limits.checkCollectionName(null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
