package io.quiver.query.security;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API keys a server accepts, read once at start from a JSON document (a file, or the {@code
 * QUIVER_API_KEYS} environment variable):
 *
 * <pre>{@code
 * {
 *   "default_rate_limit": {"requests_per_second": 500, "burst": 1000},
 *   "keys": [
 *     {"name": "search-app", "sha256": "<hex SHA-256 of the key>",
 *      "grants": {"docs": ["read"], "team-*": ["read", "write"]}},
 *     {"name": "ops", "key": "<the key itself>", "grants": {"*": ["read", "write", "admin"]},
 *      "rate_limit": "unlimited"}
 *   ]
 * }
 * }</pre>
 *
 * A key is given either as {@code sha256} (so the file holds no secret) or in clear as {@code key}
 * (at least 16 characters). Only the SHA-256 is kept in memory; a presented key is hashed and
 * compared with every known hash in constant time. Error messages name keys by their name or
 * position, never by their secret, and JSON syntax errors report only line and column.
 */
public final class ApiKeys {

    /** Keys in clear must be at least this long, so they cannot be guessed. */
    public static final int MIN_KEY_LENGTH = 16;

    /** The name of the key made from {@code QUIVER_API_KEY}. */
    public static final String SINGLE_KEY_NAME = "default";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Set<String> TOP_FIELDS = Set.of("default_rate_limit", "keys");
    private static final Set<String> KEY_FIELDS =
            Set.of("name", "key", "sha256", "grants", "rate_limit");

    private final List<ApiKey> keys;
    private final String source;

    private ApiKeys(List<ApiKey> keys, String source) {
        this.keys = List.copyOf(keys);
        this.source = source;
    }

    /**
     * Reads the key document in {@code file}.
     *
     * @throws IllegalArgumentException when the file cannot be read or names a bad value
     */
    public static ApiKeys fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the API key file " + file + ": " + e.getMessage(), e);
        }
        return fromJson(text, file.toString());
    }

    /**
     * Parses a key document; {@code source} says where it came from in messages.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    public static ApiKeys fromJson(String json, String source) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            // Jackson's own message may quote the offending token, which could be a key.
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(
                    "API keys in "
                            + source
                            + " are not valid JSON"
                            + (at == null
                                    ? ""
                                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr())
                            + (at == null ? "" : ")"));
        }
        if (root == null || !root.isObject()) {
            throw bad(source, "must be a JSON object with a \"keys\" array");
        }
        checkFields(root, TOP_FIELDS, source, "the document");
        RateLimit defaultLimit =
                root.has("default_rate_limit")
                        ? rateLimit(root.get("default_rate_limit"), source, "default_rate_limit")
                        : RateLimit.DEFAULT;
        JsonNode array = root.get("keys");
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw bad(source, "\"keys\" must be a non-empty array");
        }
        List<ApiKey> keys = new ArrayList<>();
        Map<String, String> namesByHash = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            ApiKey key = key(array.get(i), i, defaultLimit, source);
            for (ApiKey other : keys) {
                if (other.name().equals(key.name())) {
                    throw bad(source, "two keys are named '" + key.name() + "'");
                }
            }
            String hex = HexFormat.of().formatHex(key.sha256());
            String clash = namesByHash.putIfAbsent(hex, key.name());
            if (clash != null) {
                throw bad(
                        source,
                        "keys '" + clash + "' and '" + key.name() + "' have the same secret");
            }
            keys.add(key);
        }
        return new ApiKeys(keys, source);
    }

    /**
     * One key with every scope on every collection and the default rate limit, named {@value
     * #SINGLE_KEY_NAME}: the {@code QUIVER_API_KEY} shorthand.
     *
     * @throws IllegalArgumentException when the key is shorter than {@value #MIN_KEY_LENGTH}
     */
    public static ApiKeys single(String key, String source) {
        checkClearKey(key, source, SINGLE_KEY_NAME);
        return new ApiKeys(
                List.of(
                        new ApiKey(
                                SINGLE_KEY_NAME,
                                sha256(key),
                                List.of(
                                        new Grant(
                                                CollectionPattern.parse("*"),
                                                EnumSet.allOf(Scope.class))),
                                RateLimit.DEFAULT)),
                source);
    }

    private static ApiKey key(JsonNode node, int index, RateLimit defaultLimit, String source) {
        String where = "key #" + (index + 1);
        if (!node.isObject()) {
            throw bad(source, where + " must be an object");
        }
        JsonNode nameNode = node.get("name");
        if (nameNode == null
                || !nameNode.isTextual()
                || !NAME.matcher(nameNode.asText()).matches()) {
            throw bad(
                    source,
                    where + " needs a \"name\" of 1 to 64 letters, digits, '.', '_' or '-'");
        }
        String name = nameNode.asText();
        where = "key '" + name + "'";
        checkFields(node, KEY_FIELDS, source, where);
        JsonNode clear = node.get("key");
        JsonNode hash = node.get("sha256");
        byte[] sha256;
        if ((clear == null) == (hash == null)) {
            throw bad(source, where + " needs exactly one of \"key\" and \"sha256\"");
        } else if (clear != null) {
            if (!clear.isTextual()) {
                throw bad(source, where + ": \"key\" must be a string");
            }
            checkClearKey(clear.asText(), source, name);
            sha256 = sha256(clear.asText());
        } else {
            if (!hash.isTextual() || !HEX64.matcher(hash.asText()).matches()) {
                throw bad(source, where + ": \"sha256\" must be 64 hex digits");
            }
            sha256 = HexFormat.of().parseHex(hash.asText().toLowerCase());
        }
        List<Grant> grants = grants(node.get("grants"), source, where);
        RateLimit limit =
                node.has("rate_limit")
                        ? rateLimit(node.get("rate_limit"), source, where + " rate_limit")
                        : defaultLimit;
        return new ApiKey(name, sha256, grants, limit);
    }

    private static List<Grant> grants(JsonNode node, String source, String where) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw bad(
                    source,
                    where
                            + " needs \"grants\": an object from collection pattern to scopes,"
                            + " e.g. {\"docs\": [\"read\"]}");
        }
        List<Grant> grants = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            CollectionPattern pattern;
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            try {
                pattern = CollectionPattern.parse(e.getKey());
                if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                    throw new IllegalArgumentException(
                            "scopes must be a non-empty array of read, write, admin");
                }
                for (JsonNode s : e.getValue()) {
                    scopes.add(Scope.parse(s.asText()));
                }
            } catch (IllegalArgumentException ex) {
                throw bad(source, where + ", grant '" + e.getKey() + "': " + ex.getMessage());
            }
            grants.add(new Grant(pattern, scopes));
        }
        return grants;
    }

    private static RateLimit rateLimit(JsonNode node, String source, String where) {
        if (node.isTextual() && node.asText().equals("unlimited")) {
            return RateLimit.UNLIMITED;
        }
        if (!node.isObject()
                || !node.path("requests_per_second").isNumber()
                || !node.path("burst").canConvertToLong()
                || !node.path("burst").isIntegralNumber()) {
            throw bad(
                    source,
                    where
                            + " must be \"unlimited\" or {\"requests_per_second\": <number>,"
                            + " \"burst\": <integer>}");
        }
        checkFields(node, Set.of("requests_per_second", "burst"), source, where);
        try {
            return new RateLimit(
                    node.get("requests_per_second").asDouble(), node.get("burst").asLong());
        } catch (IllegalArgumentException e) {
            throw bad(source, where + ": " + e.getMessage());
        }
    }

    private static void checkFields(JsonNode node, Set<String> known, String source, String where) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!known.contains(f)) {
                throw bad(source, where + " has an unknown field '" + f + "'; known: " + known);
            }
        }
    }

    private static void checkClearKey(String key, String source, String name) {
        if (key == null || key.length() < MIN_KEY_LENGTH || key.isBlank()) {
            throw bad(
                    source,
                    "key '"
                            + name
                            + "' is shorter than "
                            + MIN_KEY_LENGTH
                            + " characters; use a long random key");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            // It travels in an HTTP header: visible ASCII only.
            if (c <= ' ' || c > '~') {
                throw bad(
                        source,
                        "key '" + name + "' may only hold visible ASCII characters (no spaces)");
            }
        }
    }

    private static IllegalArgumentException bad(String source, String message) {
        return new IllegalArgumentException("API keys in " + source + ": " + message);
    }

    /** The SHA-256 of {@code key}'s UTF-8 bytes, as stored in a key file's {@code sha256}. */
    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** {@link #sha256} in lower-case hex, e.g. for writing a key file. */
    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    /**
     * The key whose secret is {@code presented}, or null. Compares against every key, each in
     * constant time, so the answer time does not tell how close a guess was.
     */
    public ApiKey find(String presented) {
        byte[] hash = sha256(presented);
        ApiKey found = null;
        for (ApiKey k : keys) {
            if (MessageDigest.isEqual(hash, k.sha256()) && found == null) {
                found = k;
            }
        }
        return found;
    }

    public List<ApiKey> keys() {
        return keys;
    }

    /** Where the keys came from: a file path or an environment variable's name. */
    public String source() {
        return source;
    }

    /** The keys' names, for the start-up log line. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        keys.forEach(k -> names.add(k.name()));
        return names;
    }
}
