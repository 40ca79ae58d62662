package dev.coffer.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** JSON for the API: strict reading (no duplicate or trailing content) and compact writing. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Json() {
    }

    static JsonNode parseObject(byte[] body) {
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            String m = e instanceof JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage();
            throw ApiException.badRequest("malformed JSON: " + m);
        }
        if (n == null || !n.isObject()) {
            throw ApiException.badRequest("malformed JSON: expected an object");
        }
        return n;
    }

    static String text(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.badRequest("missing field \"" + field + "\"");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field \"" + field + "\" must be a string");
        }
        return v.asText();
    }

    static int integer(JsonNode o, String field, int min, int max, int dflt) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.badRequest("field \"" + field + "\" must be an integer from " + min + " to " + max);
        }
        return v.asInt();
    }

    static boolean bool(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("field \"" + field + "\" must be true or false");
        }
        return v.asBoolean();
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client-supplied string quoted for an error message: control characters replaced, long values cut. */
    static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        String t = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return "\"" + t.replaceAll("[\\p{Cntrl}\"\\\\]", "?") + "\"";
    }
}
