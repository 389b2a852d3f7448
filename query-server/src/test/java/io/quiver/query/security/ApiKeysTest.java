package io.quiver.query.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    private static final String SECRET = "s3cret-key-0123456789";

    private static String doc(String keys) {
        return "{\"keys\": [" + keys + "]}";
    }

    @Test
    void findsKeysGivenInClearOrAsTheirSha256() {
        ApiKeys keys =
                ApiKeys.fromJson(
                        doc(
                                "{\"name\": \"a\", \"key\": \""
                                        + SECRET
                                        + "\", \"grants\": {\"docs\": [\"read\"]}},"
                                        + "{\"name\": \"b\", \"sha256\": \""
                                        + ApiKeys.sha256Hex("another-key-0123456789").toUpperCase()
                                        + "\", \"grants\": {\"team-*\": [\"write\", \"read\"]}}"),
                        "test");

        assertThat(keys.find(SECRET).name()).isEqualTo("a");
        assertThat(keys.find("another-key-0123456789").name()).isEqualTo("b");
        assertThat(keys.find("another-key-012345678")).isNull();
        assertThat(keys.find("")).isNull();
        assertThat(keys.names()).containsExactly("a", "b");
    }

    @Test
    void grantsScopesPerCollectionPattern() {
        ApiKey key =
                ApiKeys.fromJson(
                                doc(
                                        "{\"name\": \"a\", \"key\": \""
                                                + SECRET
                                                + "\", \"grants\": {\"docs\": [\"read\"],"
                                                + " \"team-?-*\": [\"read\", \"write\"]}}"),
                                "test")
                        .find(SECRET);

        assertThat(key.allows(Scope.READ, "docs")).isTrue();
        assertThat(key.allows(Scope.WRITE, "docs")).isFalse();
        assertThat(key.allows(Scope.READ, "docs2")).isFalse();
        assertThat(key.allows(Scope.WRITE, "team-a-prod")).isTrue();
        assertThat(key.allows(Scope.WRITE, "team-ab-prod")).isFalse();
        assertThat(key.allows(Scope.ADMIN, "team-a-prod")).isFalse();
        assertThat(key.allowsSomewhere(Scope.WRITE)).isTrue();
        assertThat(key.allowsSomewhere(Scope.ADMIN)).isFalse();
    }

    @Test
    void appliesTheDefaultRateLimitUnlessAKeyHasItsOwn() {
        ApiKeys keys =
                ApiKeys.fromJson(
                        "{\"default_rate_limit\": {\"requests_per_second\": 5, \"burst\": 10},"
                                + " \"keys\": [{\"name\": \"a\", \"key\": \""
                                + SECRET
                                + "\", \"grants\": {\"*\": [\"read\"]}},"
                                + "{\"name\": \"b\", \"key\": \"b-key-0123456789abc\","
                                + " \"grants\": {\"*\": [\"read\"]}, \"rate_limit\": \"unlimited\"}]}",
                        "test");

        assertThat(keys.keys().get(0).rateLimit()).isEqualTo(new RateLimit(5, 10));
        assertThat(keys.keys().get(1).rateLimit().unlimited()).isTrue();
        assertThat(
                        ApiKeys.fromJson(
                                        doc(
                                                "{\"name\": \"a\", \"key\": \""
                                                        + SECRET
                                                        + "\", \"grants\": {\"*\": [\"read\"]}}"),
                                        "test")
                                .keys()
                                .get(0)
                                .rateLimit())
                .isEqualTo(RateLimit.DEFAULT);
    }

    /**
     * Asserts that a document with {@code key} as its only key entry is refused with {@code
     * message}.
     */
    private static void refused(String key, String message) {
        assertThatThrownBy(() -> ApiKeys.fromJson(doc(key), "keys.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API keys in keys.json")
                .hasMessageContaining(message)
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void rejectsBadDocumentsNamingTheProblemButNeverTheSecret() {
        String clear = "{\"name\": \"a\", \"key\": \"" + SECRET + "\", ";
        refused(clear + "\"grants\": {}}", "key 'a' needs \"grants\"");
        refused(clear + "\"grants\": {\"*\": [\"rwx\"]}}", "unknown scope 'rwx'");
        refused(clear + "\"grants\": {\"a/b\": [\"read\"]}}", "collection pattern 'a/b'");
        refused(clear + "\"scopes\": [\"read\"]}", "unknown field 'scopes'");
        refused(
                clear
                        + "\"grants\": {\"*\": [\"read\"]}},"
                        + clear.replace("\"a\"", "\"b\"")
                        + "\"grants\": {\"*\": [\"read\"]}}",
                "keys 'a' and 'b' have the same secret");
        refused(
                clear
                        + "\"grants\": {\"*\": [\"read\"]}},"
                        + clear
                        + "\"grants\": {\"*\": [\"read\"]}}",
                "two keys are named 'a'");
        refused(
                "{\"name\": \"a\", \"key\": \"short\", \"grants\": {\"*\": [\"read\"]}}",
                "shorter than 16 characters");
        refused(
                clear + "\"sha256\": \"00\", \"grants\": {\"*\": [\"read\"]}}",
                "exactly one of \"key\" and \"sha256\"");
        refused(
                "{\"name\": \"a\", \"sha256\": \"00\", \"grants\": {\"*\": [\"read\"]}}",
                "\"sha256\" must be 64 hex digits");
        refused(
                clear
                        + "\"grants\": {\"*\": [\"read\"]},"
                        + " \"rate_limit\": {\"requests_per_second\": 0, \"burst\": 1}}",
                "requests_per_second must be above 0");
        refused("{\"key\": \"" + SECRET + "\"}", "key #1 needs a \"name\"");
        assertThatThrownBy(() -> ApiKeys.fromJson("{\"keys\": []}", "t"))
                .hasMessageContaining("non-empty array");
    }

    @Test
    void aJsonSyntaxErrorReportsOnlyWhereItIs() {
        // A bare token: Jackson's own message would quote it.
        assertThatThrownBy(() -> ApiKeys.fromJson("{\"keys\": [" + SECRET + "]}", "keys.json"))
                .hasMessageContaining("keys.json are not valid JSON (line 1, column")
                .hasMessageNotContaining(SECRET)
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void readsAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.json");
        Files.writeString(
                file,
                doc(
                        "{\"name\": \"a\", \"sha256\": \""
                                + ApiKeys.sha256Hex(SECRET)
                                + "\", \"grants\": {\"*\": [\"read\"]}}"));

        assertThat(ApiKeys.fromFile(file).find(SECRET).name()).isEqualTo("a");
        assertThat(ApiKeys.fromFile(file).source()).isEqualTo(file.toString());
        assertThatThrownBy(() -> ApiKeys.fromFile(dir.resolve("missing.json")))
                .hasMessageContaining("cannot read the API key file");
    }

    @Test
    void aSingleKeyHoldsEveryScopeEverywhere() {
        ApiKey key = ApiKeys.single(SECRET, "$QUIVER_API_KEY").find(SECRET);

        assertThat(key.name()).isEqualTo("default");
        for (Scope s : Scope.values()) {
            assertThat(key.allows(s, "anything")).isTrue();
        }
        assertThatThrownBy(() -> ApiKeys.single("tiny", "$QUIVER_API_KEY"))
                .hasMessageContaining("shorter than 16");
        assertThatThrownBy(() -> ApiKeys.single("has a space 0123456789", "$QUIVER_API_KEY"))
                .hasMessageContaining("visible ASCII");
    }

    @Test
    void theKeyNeverShowsInToString() {
        ApiKey key = ApiKeys.single(SECRET, "t").find(SECRET);

        assertThat(key.toString()).isEqualTo("ApiKey[default]");
    }
}
