package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path of {@link JsonBodies#objectWithVector}: reads a well-formed body's top-level vector
 * array straight from its bytes, and only the rest of the body (a few dozen bytes) through Jackson.
 *
 * <p>A 784-number search body spent most of its parse in Jackson's per-token work and in copying
 * each number's text before converting it; here each number is converted where it lies. The result
 * is the same as Jackson's, value for value: an integer becomes {@code (float) long}, a decimal
 * {@code (float) Double.parseDouble(text)} (exactly, by Clinger's fast path when the digits and the
 * power of ten are both exact doubles, else by {@code Double.parseDouble} itself).
 *
 * <p>Anything unusual returns null and the caller parses the body with Jackson as before, so every
 * error reads as it did: a body that is not one object, a field name with escapes, the vector field
 * twice, a vector holding anything but plain JSON numbers ({@code NaN}, strings, nested arrays,
 * leading zeros, integers over 18 digits), or a body whose other fields Jackson refuses. The rest
 * is parsed by Jackson with the vector's array replaced by {@code null}, so a malformed body stays
 * malformed: the array is the only part taken out, and it was checked number by number.
 */
final class VectorBodyScanner {

    /** 10^0 to 10^22, every one an exact double: the range of Clinger's fast path. */
    private static final double[] POWERS_OF_TEN = new double[23];

    /** Longest body and vector whose scratch arrays a thread keeps between requests. */
    private static final int MAX_KEPT_BYTES = 1 << 20;

    private static final int MAX_KEPT_FLOATS = 1 << 16;

    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private static final FastThreadLocal<byte[]> BYTES =
            new FastThreadLocal<>() {
                @Override
                protected byte[] initialValue() {
                    return new byte[8192];
                }
            };

    private static final FastThreadLocal<float[]> FLOATS =
            new FastThreadLocal<>() {
                @Override
                protected float[] initialValue() {
                    return new float[1024];
                }
            };

    static {
        double p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    private final byte[] b;
    private final int end;
    private int pos;
    private float[] floats;

    private VectorBodyScanner(byte[] b, int start, int end) {
        this.b = b;
        this.pos = start;
        this.end = end;
    }

    /**
     * The body as {@link JsonBodies#objectWithVector} reads it, or null when this fast path does
     * not apply (then the caller must parse the body itself).
     */
    static JsonBodies.VectorBody read(ByteBuf body, String vectorField) {
        int length = body.readableBytes();
        byte[] bytes;
        int start;
        if (body.hasArray()) {
            bytes = body.array();
            start = body.arrayOffset() + body.readerIndex();
        } else {
            bytes = length <= MAX_KEPT_BYTES ? scratchBytes(length) : new byte[length];
            body.getBytes(body.readerIndex(), bytes, 0, length);
            start = 0;
        }
        return new VectorBodyScanner(bytes, start, start + length).read(vectorField);
    }

    private static byte[] scratchBytes(int length) {
        byte[] bytes = BYTES.get();
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
            BYTES.set(bytes);
        }
        return bytes;
    }

    private JsonBodies.VectorBody read(String vectorField) {
        int bodyStart = pos;
        skipWhitespace();
        if (!at('{')) {
            return null;
        }
        pos++;
        skipWhitespace();
        float[] vector = null;
        int arrayStart = -1;
        int arrayEnd = -1;
        while (true) {
            if (!at('"')) {
                return null;
            }
            int nameStart = pos + 1;
            int nameEnd = plainStringEnd(nameStart);
            if (nameEnd < 0) {
                return null;
            }
            pos = nameEnd + 1;
            skipWhitespace();
            if (!at(':')) {
                return null;
            }
            pos++;
            skipWhitespace();
            if (at('[') && named(nameStart, nameEnd, vectorField)) {
                if (vector != null) {
                    return null;
                }
                arrayStart = pos;
                vector = numbers();
                if (vector == null) {
                    return null;
                }
                arrayEnd = pos;
            } else if (!skipValue()) {
                return null;
            }
            skipWhitespace();
            if (at(',')) {
                pos++;
                skipWhitespace();
            } else if (at('}')) {
                pos++;
                break;
            } else {
                return null;
            }
        }
        skipWhitespace();
        if (pos != end || vector == null) {
            return null;
        }
        ObjectNode rest = rest(bodyStart, arrayStart, arrayEnd, vectorField);
        return rest == null ? null : new JsonBodies.VectorBody(rest, vector);
    }

    /** Jackson's tree of the body with the vector's array replaced by null, and that field gone. */
    private ObjectNode rest(int bodyStart, int arrayStart, int arrayEnd, String vectorField) {
        int before = arrayStart - bodyStart;
        int after = end - arrayEnd;
        byte[] spliced = new byte[before + NULL.length + after];
        System.arraycopy(b, bodyStart, spliced, 0, before);
        System.arraycopy(NULL, 0, spliced, before, NULL.length);
        System.arraycopy(b, arrayEnd, spliced, before + NULL.length, after);
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(spliced);
        } catch (IOException e) {
            return null;
        }
        if (!(node instanceof ObjectNode rest)) {
            return null;
        }
        rest.remove(vectorField);
        return rest;
    }

    private boolean at(char c) {
        return pos < end && b[pos] == c;
    }

    private void skipWhitespace() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    /**
     * Where the string starting at {@code from} (after its quote) ends, at its closing quote; -1
     * when it holds an escape, a control character or no end: such names go to Jackson.
     */
    private int plainStringEnd(int from) {
        for (int i = from; i < end; i++) {
            byte c = b[i];
            if (c == '"') {
                return i;
            }
            if (c == '\\' || (c >= 0 && c < 0x20)) {
                return -1;
            }
        }
        return -1;
    }

    private boolean named(int nameStart, int nameEnd, String name) {
        if (nameEnd - nameStart != name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (b[nameStart + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Steps over one value of another field without judging it (Jackson does, on the rest): a
     * string, an object or array (brackets counted outside strings), or a scalar up to the next
     * delimiter. False when the body ends first.
     */
    private boolean skipValue() {
        if (pos >= end) {
            return false;
        }
        byte c = b[pos];
        if (c == '"') {
            return skipString();
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            while (pos < end) {
                c = b[pos];
                if (c == '"') {
                    if (!skipString()) {
                        return false;
                    }
                    continue;
                }
                if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    depth--;
                    if (depth == 0) {
                        pos++;
                        return true;
                    }
                }
                pos++;
            }
            return false;
        }
        int start = pos;
        while (pos < end) {
            c = b[pos];
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r'
                    || c == '\t') {
                break;
            }
            pos++;
        }
        return pos > start;
    }

    /** Steps over the string whose opening quote is at {@code pos}, escapes included. */
    private boolean skipString() {
        for (int i = pos + 1; i < end; i++) {
            byte c = b[i];
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                pos = i + 1;
                return true;
            }
        }
        return false;
    }

    /** The array at {@code pos} when it holds plain JSON numbers only, else null. */
    private float[] numbers() {
        pos++;
        skipWhitespace();
        if (at(']')) {
            pos++;
            return new float[0];
        }
        floats = FLOATS.get();
        int n = 0;
        while (true) {
            if (n == floats.length) {
                floats = Arrays.copyOf(floats, n * 2);
                if (floats.length <= MAX_KEPT_FLOATS) {
                    FLOATS.set(floats);
                }
            }
            int before = pos;
            float f = number();
            if (pos == before) {
                return null;
            }
            floats[n++] = f;
            skipWhitespace();
            if (at(',')) {
                pos++;
                skipWhitespace();
            } else if (at(']')) {
                pos++;
                return Arrays.copyOf(floats, n);
            } else {
                return null;
            }
        }
    }

    /**
     * One JSON number at {@code pos}, as Jackson's tree would give it as a float; leaves {@code
     * pos} where it was when there is none (or one this path leaves to Jackson).
     */
    private float number() {
        int start = pos;
        int i = pos;
        boolean negative = i < end && b[i] == '-';
        if (negative) {
            i++;
        }
        // Every digit, integer and fraction, into one long; only used when there are at most 18.
        long digits = 0;
        int d;
        int intStart = i;
        while (i < end && (d = b[i] - '0') >= 0 && d <= 9) {
            digits = digits * 10 + d;
            i++;
        }
        int intDigits = i - intStart;
        if (intDigits == 0 || (intDigits > 1 && b[intStart] == '0')) {
            return 0; // NaN, Infinity, '+', '.5', a leading zero: Jackson's part
        }
        boolean decimal = false;
        int fractionDigits = 0;
        // The digits up to the fraction's last non-zero one: "255.0" is 255, with no division.
        long kept = digits;
        int keptFraction = 0;
        if (i < end && b[i] == '.') {
            decimal = true;
            int fractionStart = ++i;
            while (i < end && (d = b[i] - '0') >= 0 && d <= 9) {
                digits = digits * 10 + d;
                i++;
                if (d != 0) {
                    kept = digits;
                    keptFraction = i - fractionStart;
                }
            }
            fractionDigits = i - fractionStart;
            if (fractionDigits == 0) {
                return 0;
            }
        }
        int exponent = 0;
        if (i < end && (b[i] | 0x20) == 'e') {
            decimal = true;
            i++;
            boolean negativeExponent = false;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                negativeExponent = b[i] == '-';
                i++;
            }
            int exponentStart = i;
            while (i < end && (d = b[i] - '0') >= 0 && d <= 9) {
                // Capped: far outside the fast path's range either way.
                exponent = exponent < 100_000 ? exponent * 10 + d : exponent;
                i++;
            }
            if (i == exponentStart) {
                return 0;
            }
            if (negativeExponent) {
                exponent = -exponent;
            }
        }
        if (!decimal) {
            if (intDigits > 18) {
                return 0; // beyond a long, maybe: Jackson reads it as a BigInteger
            }
            pos = i;
            return (float) (negative ? -digits : digits);
        }
        pos = i;
        int power = exponent - keptFraction;
        if (intDigits + fractionDigits <= 18 && kept < (1L << 53) && power >= -22 && power <= 22) {
            double value =
                    power == 0
                            ? kept
                            : power > 0
                                    ? kept * POWERS_OF_TEN[power]
                                    : kept / POWERS_OF_TEN[-power];
            return (float) (negative ? -value : value);
        }
        return (float)
                Double.parseDouble(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
    }
}
