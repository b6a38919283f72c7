package dev.livehub.app.web;

import java.util.Set;

import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDependsOnDatabaseInitializationDetector;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

/**
 * The JDBC session store waits for the Flyway migrations that create its table. {@link JdbcIndexedSessionRepository}
 * starts its expired-session cleanup (a cron on the minute) as soon as it is built: built before the migrations ran,
 * a start that crossed a minute logged {@code Table "SPRING_SESSION" not found}. Spring Boot's own detector for it
 * comes with Boot's session auto-configuration, which the app does not use ({@link JdbcSessions}). Registered in
 * {@code META-INF/spring.factories}.
 */
public final class JdbcSessionsAfterMigrations extends AbstractBeansOfTypeDependsOnDatabaseInitializationDetector {

    @Override
    protected Set<Class<?>> getDependsOnDatabaseInitializationBeanTypes() {
        return Set.of(JdbcIndexedSessionRepository.class);
    }
}
