package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.schemas.filter.FilterException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadFilterTest {

    private static final String POINT =
            "{\"color\":\"red\",\"n\":3,\"price\":9.5,\"ok\":true,\"tags\":[\"a\",\"b\",7],"
                    + "\"nested\":{\"color\":\"blue\"},\"big\":123456789012345678901234567890}";

    @Test
    void matchesKeywordsIntegersAndBooleans() {
        assertThat(passes(must("color", "\"red\""))).isTrue();
        assertThat(passes(must("color", "\"Red\""))).isFalse();
        assertThat(passes(must("n", "3"))).isTrue();
        assertThat(passes(must("n", "4"))).isFalse();
        assertThat(passes(must("ok", "true"))).isTrue();
        assertThat(passes(must("ok", "false"))).isFalse();
    }

    @Test
    void typesNeverMatchAcrossKinds() {
        assertThat(passes(must("n", "\"3\""))).isFalse();
        assertThat(passes(must("color", "1"))).isFalse();
        assertThat(passes(must("ok", "1"))).isFalse();
    }

    @Test
    void anIntegerMatchesAnEqualFloatingPointNumber() {
        assertThat(test("{\"must\":[{\"key\":\"n\",\"match\":{\"value\":3}}]}", "{\"n\":3.0}"))
                .isTrue();
        assertThat(test("{\"must\":[{\"key\":\"n\",\"match\":{\"value\":3}}]}", "{\"n\":3.5}"))
                .isFalse();
    }

    @Test
    void arrayFieldsMatchWhenAnyElementDoes() {
        assertThat(passes(must("tags", "\"b\""))).isTrue();
        assertThat(passes(must("tags", "7"))).isTrue();
        assertThat(passes(must("tags", "\"c\""))).isFalse();
        assertThat(passes(range("tags", "\"gte\":7,\"lte\":7"))).isTrue();
    }

    @Test
    void rangesCompareNumbersAndSkipEverythingElse() {
        assertThat(passes(range("price", "\"gt\":9,\"lt\":10"))).isTrue();
        assertThat(passes(range("price", "\"gte\":9.5,\"lte\":9.5"))).isTrue();
        assertThat(passes(range("price", "\"gt\":9.5"))).isFalse();
        assertThat(passes(range("n", "\"lt\":3"))).isFalse();
        assertThat(passes(range("color", "\"gt\":0"))).isFalse();
        assertThat(passes(range("big", "\"gt\":1e29"))).isTrue();
    }

    @Test
    void keysNameTopLevelFieldsOnly() {
        assertThat(passes(must("nested", "\"blue\""))).isFalse();
        assertThat(passes(must("nested.color", "\"blue\""))).isFalse();
    }

    @Test
    void combinesMustShouldAndMustNot() {
        String f =
                "{\"must\":[{\"key\":\"color\",\"match\":{\"value\":\"red\"}}],"
                        + "\"should\":[{\"key\":\"n\",\"match\":{\"value\":1}},"
                        + "{\"key\":\"n\",\"match\":{\"value\":3}}],"
                        + "\"must_not\":[{\"key\":\"ok\",\"match\":{\"value\":false}}]}";
        assertThat(test(f, POINT)).isTrue();
        assertThat(test(f, "{\"color\":\"red\",\"n\":2}")).isFalse();
        assertThat(test(f, "{\"color\":\"red\",\"n\":1,\"ok\":false}")).isFalse();
        assertThat(test(f, "{\"color\":\"red\",\"n\":1}")).isTrue();
    }

    @Test
    void nestedFiltersAreConditions() {
        String f =
                "{\"must_not\":[{\"must\":[{\"key\":\"color\",\"match\":{\"value\":\"red\"}},"
                        + "{\"key\":\"n\",\"match\":{\"value\":3}}]}]}";
        assertThat(test(f, POINT)).isFalse();
        assertThat(test(f, "{\"color\":\"red\",\"n\":4}")).isTrue();
    }

    @Test
    void aPointWithoutPayloadFailsConditionsButPassesMustNot() {
        PayloadFilter must = PayloadFilter.parse(bytes(must("color", "\"red\"")));
        PayloadFilter mustNot =
                PayloadFilter.parse(
                        bytes(
                                "{\"must_not\":[{\"key\":\"color\",\"match\":{\"value\":\"red\"}}]}"));
        assertThat(must.test(null)).isFalse();
        assertThat(mustNot.test(null)).isTrue();
        assertThat(mustNot.test(bytes("not json"))).isTrue();
        assertThat(PayloadFilter.parse(bytes("{}")).test(null)).isTrue();
    }

    @Test
    void refusesAnInvalidFilter() {
        assertThatThrownBy(() -> PayloadFilter.parse(bytes("{\"must\":[{\"key\":\"a\"}]}")))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("needs exactly one of 'match', 'range'");
    }

    private static String must(String key, String value) {
        return "{\"must\":[{\"key\":\"" + key + "\",\"match\":{\"value\":" + value + "}}]}";
    }

    private static String range(String key, String bounds) {
        return "{\"must\":[{\"key\":\"" + key + "\",\"range\":{" + bounds + "}}]}";
    }

    private static boolean passes(String filter) {
        return test(filter, POINT);
    }

    private static boolean test(String filter, String payload) {
        return PayloadFilter.parse(bytes(filter)).test(bytes(payload));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
