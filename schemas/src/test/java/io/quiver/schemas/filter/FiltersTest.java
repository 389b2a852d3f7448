package io.quiver.schemas.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.schemas.Limits;
import io.quiver.schemas.record.UpsertCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiltersTest {

    @Test
    void readsEveryKindOfCondition() {
        Filter f =
                parse(
                        "{\"must\":[{\"key\":\"color\",\"match\":{\"value\":\"red\"}},"
                                + "{\"key\":\"n\",\"match\":{\"value\":3}}],"
                                + "\"should\":{\"key\":\"ok\",\"match\":{\"value\":true}},"
                                + "\"must_not\":[{\"key\":\"price\",\"range\":{\"gt\":1.5,\"lte\":9}},"
                                + "{\"should\":[{\"key\":\"a\",\"match\":{\"value\":\"x\"}}]}]}");
        assertThat(f.must()).containsExactly(new Match("color", "red"), new Match("n", 3L));
        assertThat(f.should()).containsExactly(new Match("ok", true));
        assertThat(f.mustNot())
                .containsExactly(
                        new Range("price", 1.5, null, null, 9.0),
                        new Filter(List.of(), List.of(new Match("a", "x")), List.of()));
    }

    @Test
    void writesWhatItReadsBack() {
        Filter f =
                parse(
                        "{\"must\":[{\"key\":\"k\",\"match\":{\"value\":-7}},"
                                + "{\"must_not\":[{\"key\":\"b\",\"match\":{\"value\":false}}]}],"
                                + "\"should\":[{\"key\":\"r\",\"range\":{\"gte\":0,\"lt\":0.5}}]}");
        assertThat(Filters.parse(Filters.toBytes(f))).isEqualTo(f);
        assertThat(Filters.parse(Filters.toBytes(Filter.ALL))).isEqualTo(Filter.ALL);
        assertThat(Filter.ALL.isEmpty()).isTrue();
    }

    @Test
    void rangeContainsRespectsEveryBound() {
        Range r = new Range("x", 1.0, null, null, 3.0);
        assertThat(r.contains(1.0)).isFalse();
        assertThat(r.contains(1.01)).isTrue();
        assertThat(r.contains(3.0)).isTrue();
        assertThat(r.contains(3.01)).isFalse();
    }

    @Test
    void namesStructuralProblemsAsMalformed() {
        assertProblem("[]", "filter must be a JSON object, got array", true);
        assertProblem("{\"mus\":[]}", "filter: unknown field 'mus'", true);
        assertProblem("{\"must\":3}", "filter.must must be an array of conditions", true);
        assertProblem("{\"must\":[\"x\"]}", "filter.must[0] must be a condition object", true);
        assertProblem(
                "{\"must\":[{\"match\":{\"value\":1}}]}",
                "filter.must[0]: a condition needs 'key'",
                true);
        assertProblem(
                "{\"must\":[{\"key\":\"a\"}]}",
                "filter.must[0]: a condition on 'a' needs exactly one of 'match', 'range'",
                true);
        assertProblem(
                "{\"must\":[{\"key\":1,\"match\":{\"value\":1}}]}",
                "filter.must[0].key must be a string, got number",
                true);
        assertProblem(
                "{\"must\":[{\"key\":\"a\",\"match\":{\"any\":[1]}}]}",
                "filter.must[0].match: unknown field 'any'",
                true);
        assertProblem(
                "{\"must\":[{\"key\":\"a\",\"match\":{}}]}",
                "filter.must[0].match: missing field 'value'",
                true);
        assertProblem(
                "{\"must\":[{\"key\":\"a\",\"range\":{\"gt\":\"1\"}}]}",
                "filter.must[0].range.gt must be a number, got string",
                true);
    }

    @Test
    void namesBrokenRulesAsInvalid() {
        assertProblem(
                "{\"must\":[{\"key\":\"a\",\"match\":{\"value\":1.5}}]}",
                "filter.must[0].match.value must be a keyword (string), an integer or a boolean,"
                        + " got 1.5",
                false);
        assertProblem("{\"must\":[{\"key\":\"a\",\"match\":{\"value\":null}}]}", "got null", false);
        assertProblem(
                "{\"should\":[{\"key\":\"a\",\"range\":{}}]}",
                "filter.should[0].range needs at least one of 'gt', 'gte', 'lt', 'lte'",
                false);
        assertProblem(
                "{\"must\":[{\"key\":\"a\",\"range\":{\"lt\":NaN}}]}",
                "filter.must[0].range.lt must be finite, got NaN",
                false);
        assertProblem(
                "{\"must\":[{\"key\":\"\",\"match\":{\"value\":1}}]}",
                "filter.must[0].key must be 1 to 256 UTF-8 bytes, got 0",
                false);
    }

    @Test
    void refusesFiltersDeeperThanTheLimit() {
        String leaf = "{\"key\":\"a\",\"match\":{\"value\":1}}";
        String ok = leaf;
        for (int i = 0; i < Limits.MAX_FILTER_DEPTH; i++) {
            ok = "{\"must\":[" + ok + "]}";
        }
        assertThat(parse(ok).must()).hasSize(1);
        String tooDeep = "{\"must\":[" + ok + "]}";
        assertThatThrownBy(() -> parse(tooDeep))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("filters nest at most 5 levels deep")
                .satisfies(
                        e -> assertThat(((FilterException) e).code()).isEqualTo("filter_too_deep"));
    }

    @Test
    void refusesTooManyConditions() {
        StringBuilder sb = new StringBuilder("{\"must\":[");
        for (int i = 0; i <= Limits.MAX_FILTER_CONDITIONS; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"key\":\"a\",\"match\":{\"value\":1}}");
        }
        String json = sb.append("]}").toString();
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("a filter holds at most 256 conditions; filter.must[256]");
    }

    @Test
    void refusesBytesThatAreNotJson() {
        assertThatThrownBy(() -> Filters.parse("{".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("filter is not valid JSON");
    }

    private static void assertProblem(String json, String message, boolean malformed) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((FilterException) e).malformed()).isEqualTo(malformed));
    }

    private static Filter parse(String json) {
        try {
            JsonNode node = UpsertCodec.mapper().readTree(json);
            return Filters.parse(node, "filter");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
