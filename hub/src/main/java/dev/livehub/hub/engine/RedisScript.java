package dev.livehub.hub.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

/**
 * A Lua script kept as its own resource file, run by {@code EVALSHA}, falling back to {@code EVAL} once when Redis
 * does not know it (after a restart or a failover the script cache is empty).
 */
final class RedisScript {

    private final String name;

    private final String text;

    private final String sha;

    private RedisScript(String name, String text, String sha) {
        this.name = name;
        this.text = text;
        this.sha = sha;
    }

    /** A script with a first line of its own, e.g. {@code #!lua flags=...} (the resource is also inlined elsewhere). */
    static RedisScript load(String resource, String shebang, RedisScriptingAsyncCommands<String, String> commands) {
        String text = shebang + read(resource);
        return new RedisScript(resource, text, commands.digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text of a Lua resource of this package. */
    static String read(String resource) {
        try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("script resource " + resource + " is missing from the hub jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot read script " + resource, ex);
        }
    }

    <T> CompletionStage<T> run(RedisScriptingAsyncCommands<String, String> commands, ScriptOutputType type,
            String[] keys, String... args) {
        return commands.<T>evalsha(sha, type, keys, args).exceptionallyCompose(error -> {
            if (unwrap(error) instanceof RedisNoScriptException) {
                return commands.<T>eval(text.getBytes(StandardCharsets.UTF_8), type, keys, args);
            }
            return CompletableFuture.<T>failedFuture(error);
        });
    }

    @Override
    public String toString() {
        return name;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
