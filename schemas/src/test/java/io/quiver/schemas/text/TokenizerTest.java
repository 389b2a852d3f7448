package io.quiver.schemas.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.schemas.collection.CollectionSpecs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    @Test
    void termsAreLowerCasedRunsOfLettersAndDigitsInAnyScript() {
        assertThat(Tokenizer.terms("Über-fast, 2x QUOKKA's! naïve  "))
                .containsExactly("über", "fast", "2x", "quokka", "s", "naïve");
        assertThat(Tokenizer.terms("  ...  ")).isEmpty();
        assertThat(Tokenizer.terms("日本語 text")).containsExactly("日本語", "text");
    }

    @Test
    void payloadTextIsTheFieldAsStringOrJsonAndEmptyWhenMissing() {
        byte[] payload =
                "{\"text\": \"Red fox\", \"n\": [1, 2], \"z\": null}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(PayloadText.text(payload, "text")).isEqualTo("Red fox");
        assertThat(PayloadText.text(payload, "n")).isEqualTo("[1,2]");
        assertThat(PayloadText.text(payload, "z")).isEmpty();
        assertThat(PayloadText.text(payload, "absent")).isEmpty();
        assertThat(PayloadText.text(null, "text")).isEmpty();
        assertThat(PayloadText.text("not json".getBytes(StandardCharsets.UTF_8), "text")).isEmpty();
    }

    @Test
    void theFieldIsThePolicysTextFieldOrText() {
        byte[] plain = "{\"dimension\": 2, \"metric\": \"l2\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(PayloadText.field(CollectionSpecs.decode("docs", plain))).isEqualTo("text");
        byte[] named =
                ("{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"method\":"
                                + " \"bm25\", \"text_field\": \"body\"}}")
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(PayloadText.field(CollectionSpecs.decode("docs", named))).isEqualTo("body");
    }
}
