package dev.livehub.app;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A fresh database on the machine's real PostgreSQL server (127.0.0.1:5432, user postgres, or {@code PGHOST},
 * {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}), dropped afterwards. Fails with what to do when there is none.
 */
public final class PostgresDatabase implements AutoCloseable {

    private final String server;

    private final String user;

    private final String password;

    private final String name = "livehub_test_" + Long.toString(System.nanoTime(), 36);

    public PostgresDatabase() {
        this.server = "jdbc:postgresql://" + env("PGHOST", "127.0.0.1") + ":" + env("PGPORT", "5432") + "/";
        this.user = env("PGUSER", "postgres");
        this.password = env("PGPASSWORD", "");
        try (Connection connection = DriverManager.getConnection(server + "postgres", user, password);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("These tests need a PostgreSQL server at " + server + " (user " + user
                    + "): install postgresql and start it (.ci/run does); " + ex.getMessage(), ex);
        }
    }

    /** The Spring properties that point an app node at this database. */
    public Map<String, String> properties() {
        return Map.of("spring.datasource.url", server + name, "spring.datasource.username", user,
                "spring.datasource.password", password);
    }

    @Override
    public void close() {
        try (Connection connection = DriverManager.getConnection(server + "postgres", user, password);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
        catch (SQLException ex) {
            // Left behind; harmless, and its name says what it was.
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
