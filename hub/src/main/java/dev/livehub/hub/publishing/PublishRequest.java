package dev.livehub.hub.publishing;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.Publication;

/**
 * One publication of an HTTP publish body, {@code {"users":["42"],"event":"crud.update","data":{...},
 * "publish_id":"optional"}}, read with a streaming parser: no tree, and {@code data} is kept as the caller's bytes,
 * never written again by a JSON library (so {@code 1e400}, {@code {}} and {@code "\ud800"} arrive as they were sent).
 * What a browser could not read the same way is refused: a body that is not UTF-8 (a lone surrogate encoded raw), and
 * an object with a key twice (JavaScript would keep one of them).
 *
 * @param publishId the caller's publish id, or one made here (so an answer can always name it)
 * @param addressed the publication and its users, or {@code null} when it was refused
 * @param refusal why it was refused (a 400), or {@code null}
 */
record PublishRequest(String publishId, Addressed addressed, String refusal) {

    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    static final String EXAMPLE = "{\"users\":[\"42\"],\"event\":\"crud.update\",\"data\":{}}";

    /** A body that cannot be read at all: not UTF-8, not JSON, or not of the expected shape. */
    static final class BadBody extends RuntimeException {

        BadBody(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads a single publication, {@code POST /hub/publish}. */
    static PublishRequest one(byte[] body, int maxUsers) {
        requireUtf8(body);
        try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadBody("the body is a JSON object: " + EXAMPLE);
            }
            PublishRequest request = read(parser, body, maxUsers);
            if (parser.nextToken() != null) {
                throw new BadBody("the body is one JSON object; something follows it");
            }
            return request;
        }
        catch (JacksonException ex) {
            throw new BadBody(notJson(ex));
        }
    }

    /**
     * Reads the console's test publish, {@code {"event":"...","data":...}}, to one user, as {@link #one} reads a
     * publication: the same refusals, and {@code data} kept as sent.
     */
    static PublishRequest forUser(byte[] body, String user) {
        requireUtf8(body);
        try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadBody("the body is a JSON object: {\"event\":\"crud.update\",\"data\":{}}");
            }
            PublishRequest request = read(parser, body, 1, List.of(user));
            if (parser.nextToken() != null) {
                throw new BadBody("the body is one JSON object; something follows it");
            }
            return request;
        }
        catch (JacksonException ex) {
            String why = notJson(ex);
            throw new BadBody(why.contains("key twice") ? why : "the body must be a JSON object; " + why.substring(4));
        }
    }

    /**
     * Checks that {@code data} is one JSON value a browser reads as it is written (UTF-8, no key twice) and returns it
     * unchanged; {@link BadBody} otherwise.
     */
    static String requireData(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), bytes)) {
            if (parser.nextToken() == null) {
                throw new BadBody("the data is empty; it is one JSON value");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new BadBody("the data is one JSON value; something follows it");
            }
            return data;
        }
        catch (JacksonException ex) {
            String message = ex.getOriginalMessage();
            if (message != null && message.startsWith("Duplicate Object property")) {
                throw new BadBody("the data has an object with a key twice (" + message + "); a browser would keep "
                        + "only one");
            }
            throw new BadBody("the data is not JSON: " + message);
        }
    }

    /** Reads a batch, {@code POST /hub/publish/batch}: {@code {"publications":[...]}}. */
    static List<PublishRequest> batch(byte[] body, int maxUsers, int maxPublications) {
        requireUtf8(body);
        List<PublishRequest> requests = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT || !"publications".equals(parser.nextName())
                    || parser.nextToken() != JsonToken.START_ARRAY) {
                throw new BadBody("the body is {\"publications\":[" + EXAMPLE + ", ...]}");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (requests.size() == maxPublications) {
                    throw new BadBody("a batch holds at most " + maxPublications + " publications");
                }
                if (token != JsonToken.START_OBJECT) {
                    throw new BadBody("'publications' holds objects like " + EXAMPLE);
                }
                requests.add(read(parser, body, maxUsers));
            }
            if (parser.nextToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new BadBody("the body is {\"publications\":[...]} and nothing else");
            }
            if (requests.isEmpty()) {
                throw new BadBody("'publications' is empty");
            }
            return requests;
        }
        catch (JacksonException ex) {
            // Not JSON, or a key twice: nothing of the batch is appended, and the answer says where it is.
            throw new BadBody("publication " + requests.size() + " (counted from 0): " + notJson(ex));
        }
    }

    /** Reads one publication object; the parser is on its {@code START_OBJECT} and is left on its {@code END_OBJECT}. */
    private static PublishRequest read(JsonParser parser, byte[] body, int maxUsers) {
        return read(parser, body, maxUsers, null);
    }

    /** With {@code presetUsers}, the users are given and a {@code "users"} field is refused as unknown. */
    private static PublishRequest read(JsonParser parser, byte[] body, int maxUsers, List<String> presetUsers) {
        List<String> users = presetUsers;
        String event = null;
        String data = null;
        String publishId = null;
        String refusal = null;
        for (String field = parser.nextName(); field != null; field = parser.nextName()) {
            JsonToken token = parser.nextToken();
            switch (field) {
                case "users" -> {
                    if (presetUsers != null) {
                        refusal = first(refusal, "unknown field 'users'; the fields are event, data");
                        parser.skipChildren();
                        break;
                    }
                    if (token != JsonToken.START_ARRAY) {
                        refusal = first(refusal, "'users' is a non-empty array of user ids");
                        parser.skipChildren();
                        break;
                    }
                    users = new ArrayList<>();
                    for (JsonToken user = parser.nextToken(); user != JsonToken.END_ARRAY; user = parser.nextToken()) {
                        if (user != JsonToken.VALUE_STRING) {
                            refusal = first(refusal, "'users' holds strings, got " + kind(user));
                            parser.skipChildren();
                        }
                        else {
                            users.add(parser.getString());
                        }
                    }
                }
                case "event" -> {
                    if (token == JsonToken.VALUE_STRING) {
                        event = parser.getString();
                    }
                    else {
                        refusal = first(refusal, "an event name matches [a-z0-9._-]{1,64}, got " + kind(token));
                        parser.skipChildren();
                    }
                }
                case "publish_id" -> {
                    if (token == JsonToken.VALUE_STRING) {
                        publishId = parser.getString();
                    }
                    else {
                        refusal = first(refusal, "'publish_id' is a string");
                        parser.skipChildren();
                    }
                }
                case "data" -> {
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    // Past the value's last token: a string's or number's end, or the closing bracket.
                    parser.finishToken();
                    int end = (int) parser.currentLocation().getByteOffset();
                    data = new String(body, start, end - start, StandardCharsets.UTF_8);
                }
                default -> {
                    refusal = first(refusal, "unknown field '" + field + "'; the fields are users, event, data, "
                            + "publish_id");
                    parser.skipChildren();
                }
            }
        }
        if (refusal == null) {
            refusal = check(users, event, data, publishId, maxUsers);
        }
        String id = publishId != null ? publishId : Publication.newPublishId();
        if (refusal != null) {
            return new PublishRequest(id, null, refusal);
        }
        try {
            return new PublishRequest(id, new Publication(event, data, id).to(users), null);
        }
        catch (IllegalArgumentException ex) {
            return new PublishRequest(id, null, ex.getMessage());
        }
    }

    private static String check(List<String> users, String event, String data, String publishId, int maxUsers) {
        if (users == null || users.isEmpty()) {
            return "'users' is a non-empty array of user ids";
        }
        if (users.size() > maxUsers) {
            return "'users' names " + users.size() + " users; at most " + maxUsers + " per publication "
                    + "(hub.publish.max-users)";
        }
        if (data == null) {
            return "'data' is required: the JSON sent to the users";
        }
        if (publishId != null && !Publication.isPublishId(publishId)) {
            return "a publish id has 1 to 64 characters of Unicode text";
        }
        return null;
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> "null";
        };
    }

    private static String first(String refusal, String another) {
        return refusal != null ? refusal : another;
    }

    /**
     * Refuses bytes that are not UTF-8, which a JSON parser may let through inside strings: a surrogate encoded on its
     * own (CESU-8) would reach browsers as a replacement character.
     */
    private static void requireUtf8(byte[] body) {
        boolean ascii = true;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0) {
                // JSON text holds no raw NUL (RFC 8259 section 7), UTF-16 and UTF-32 hold many: the parser would
                // guess one of them from the first bytes (RFC 4627 section 3) and read what the hub never stores.
                throw new BadBody("the body is not UTF-8: a NUL byte at byte " + i + " (UTF-16 or UTF-32? send it as "
                        + "plain UTF-8)");
            }
            ascii &= body[i] > 0;
        }
        if (ascii) {
            return; // US-ASCII, as most publications are, is UTF-8: no decoder, no buffer
        }
        ByteBuffer in = ByteBuffer.wrap(body);
        // Decoded a kilobyte at a time into one small buffer: only whether it decodes matters, not the characters.
        CharBuffer out = CharBuffer.allocate(1024);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (CoderResult result = decoder.decode(in, out, true); !result.isUnderflow();
                result = decoder.decode(in, out, true)) {
            if (result.isError()) {
                throw new BadBody("the body is not valid UTF-8 at byte " + in.position() + " (a lone surrogate, bytes "
                        + "of another encoding, or a compressed body: send it as plain UTF-8)");
            }
            out.clear();
        }
    }

    private static String notJson(JacksonException ex) {
        String message = ex.getOriginalMessage();
        if (message != null && message.startsWith("Duplicate Object property")) {
            return "the body has an object with a key twice (" + message + "); a browser would keep only one";
        }
        return "the body is not valid JSON: " + message;
    }
}
