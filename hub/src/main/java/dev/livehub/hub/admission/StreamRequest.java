package dev.livehub.hub.admission;

import java.util.List;

/**
 * What a transport tells {@link StreamAdmission} about a request to open a stream, in plain Java: each HTTP server
 * (the servlet container, Netty) adapts its own request to this.
 */
public interface StreamRequest {

    /** The HTTP method, upper case. */
    String method();

    /** Every value of a request header (case-insensitive name), in order; empty when absent. */
    List<String> headers(String name);

    /** Every value of a query parameter, in order; empty when absent. */
    List<String> parameters(String name);

    /**
     * Every value of the cookies of that name, in the order the request sends them; empty when none. A browser sends
     * two of a name when they differ in path or domain (a stale one set for {@code /stream}, one of a parent domain),
     * most specific path first (RFC 6265, section 5.4).
     */
    List<String> cookies(String name);

    /** The value of the first cookie of that name, or {@code null}. */
    default String cookie(String name) {
        List<String> values = cookies(name);
        return values.isEmpty() ? null : values.getFirst();
    }

    /** The first value of a query parameter, or {@code null}. */
    default String parameter(String name) {
        List<String> values = parameters(name);
        return values.isEmpty() ? null : values.getFirst();
    }
}
