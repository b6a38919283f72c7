package dev.livehub.ops;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Where commands read their input: standard input, or what a test hands in.
 */
final class Io {

    static Supplier<BufferedReader> stdin = () -> new BufferedReader(
            new InputStreamReader(System.in, StandardCharsets.UTF_8));

    private Io() {
    }
}
