package dev.livehub.hub.admission;

/**
 * The body of every refusal of the stream endpoints, whichever server sends it:
 * {@code {"error":"<code>","message":"<sentence>"}}.
 */
public final class RefusalBody {

    private RefusalBody() {
    }

    public static String of(String code, String message) {
        return "{\"error\":\"" + escape(code) + "\",\"message\":\"" + escape(message) + "\"}";
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    }
                    else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
