package dev.livehub.hub.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the hub, under hub.*. Redis itself is configured with spring.data.redis.*.
 */
@ConfigurationProperties("hub")
public class HubProperties {

    /** Whether the hub runs; false turns it off: no beans, no endpoints, nothing connects to Redis. */
    private boolean enabled = true;

    /** Where streams live: memory for one node (the default), redis for several. */
    private EngineType engine = EngineType.MEMORY;

    /** Open streams one user may hold on one node; more are answered 429. */
    private int maxConnectionsPerUser = 16;

    /** Events queued per connection; a client that lets the queue fill is disconnected and resumes. */
    private int outboxSize = 1000;

    /** Interval of the ": ping" comment that keeps proxies open and finds dead peers. */
    private Duration heartbeat = Duration.ofSeconds(15);

    /** The "retry:" field sent on connect; each connection adds up to 20% jitter. */
    private Duration retry = Duration.ofMillis(5000);

    /** Streams end after about this long (10% jitter), so browsers reconnect and load spreads over the nodes. */
    private Duration streamLifetime = Duration.ofMinutes(30);

    /** On shutdown, open streams are ended spread over this window, so browsers move to other nodes gradually. */
    private Duration drainWindow = Duration.ofSeconds(5);

    /** Entries read per round trip when a client catches up. */
    private int catchUpPage = 500;

    /**
     * A second port for GET /stream/app, served by Netty (needs io.netty:netty-codec-http) at a
     * fraction of a servlet request's memory, to subscriber tokens and to users signed in with a shared session
     * store (Spring Session); it also takes POST /hub/publish and /hub/publish/batch. Unset: streams are served on
     * the server's port only; 0: any free port.
     */
    private Integer streamPort;

    /** The address hub.stream-port binds; unset: the server's (server.address), else every address. */
    private String streamAddress;

    /**
     * Connections hub.stream-port holds at once; more are closed as they come. Unset: what the server's port
     * (server.tomcat.max-connections; unset: a quarter) leaves of the process's file limit less 2,000 (for
     * Redis, the database, logs and jars). Caps that together exceed that are refused at start.
     */
    private Integer streamMaxConnections;

    /** How long a connection to hub.stream-port may take to send its request head before it is closed. */
    private Duration streamHeadTimeout = Duration.ofSeconds(10);

    /**
     * How long a connection to the servlet container's port (Tomcat) may take to send a whole request head before it
     * is closed; Tomcat's own connection-timeout bounds each read only.
     */
    private Duration serverHeadTimeout = Duration.ofSeconds(10);

    /**
     * How long the servlet container's port (Tomcat) may take to receive a request's body once its head is in, on
     * any path: a body still unfinished by then (sent slowly, or never) has its connection closed.
     */
    private Duration serverBodyTimeout = Duration.ofSeconds(30);

    /**
     * How long hub.stream-port may take to receive a publish's body (POST /hub/publish, /hub/publish/batch) once its
     * head is in; a body still unfinished by then has its connection closed.
     */
    private Duration streamBodyTimeout = Duration.ofSeconds(30);

    /**
     * Whether the connection caps of the server's port (server.tomcat.max-connections) and the stream port
     * (hub.stream-max-connections) may together exceed the process's file limit less 2,000: off, such a
     * configuration is refused at start. For benchmarks that load one port at a time.
     */
    private boolean oversubscribeConnections;

    /** Most events one poll of /stream/app/poll returns. */
    private int pollLimit = 500;

    /**
     * A client that asks for compaction (?compact=1) and is more than this many entries behind gets the latest
     * state of each record instead of every step; 0 compacts any backlog.
     */
    private int compactAbove = 50;

    /**
     * How often each node checks that the sessions of its open streams still exist (Spring Session); the streams of
     * a session that ended (logout, expiry) end with auth-expired.
     */
    private Duration sessionCheckInterval = Duration.ofSeconds(20);

    private final ConnectRate connectRate = new ConnectRate();

    private final Stream stream = new Stream();

    private final Redis redis = new Redis();

    private final Publish publish = new Publish();

    private final Outbox outbox = new Outbox();

    private final Token token = new Token();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public enum EngineType {
        /** One node, streams in memory. */
        MEMORY,
        /** Many nodes, streams in Redis. */
        REDIS
    }

    /**
     * How often one user may open a stream or poll on one node (one budget for both: each reads the user's stream);
     * past it, 429 with Retry-After.
     */
    public static class ConnectRate {

        /** Opens and polls allowed at once. */
        private int burst = 30;

        /** Opens and polls allowed per second after the burst. */
        private double perSecond = 2;

        public int getBurst() {
            return burst;
        }

        public void setBurst(int burst) {
            this.burst = burst;
        }

        public double getPerSecond() {
            return perSecond;
        }

        public void setPerSecond(double perSecond) {
            this.perSecond = perSecond;
        }
    }

    public static class Stream {

        /** Entries kept per user; older ones are trimmed (approximately, in Redis). */
        private int maxEntries = 1000;

        /** A stream nobody published to for this long is removed. */
        private Duration retention = Duration.ofDays(1);

        /** How long a publish id is remembered, so a retried publish is appended once. */
        private Duration dedupeWindow = Duration.ofMinutes(2);

        public int getMaxEntries() {
            return maxEntries;
        }

        public void setMaxEntries(int maxEntries) {
            this.maxEntries = maxEntries;
        }

        public Duration getRetention() {
            return retention;
        }

        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        public Duration getDedupeWindow() {
            return dedupeWindow;
        }

        public void setDedupeWindow(Duration dedupeWindow) {
            this.dedupeWindow = dedupeWindow;
        }
    }

    public static class Redis {

        /** First part of every key and channel: hub:{42}:events is user 42's stream with the default. */
        private String prefix = "hub";

        /** How long one Redis command may take before it counts as failed. */
        private Duration timeout = Duration.ofSeconds(5);

        /**
         * While Redis is unreachable, how often the node logs that it still is (one line, with the latest reason),
         * instead of a warning per reconnect attempt.
         */
        private Duration outageLogInterval = Duration.ofSeconds(30);

        /**
         * With Spring Session Data Redis on the classpath, keep sessions in Redis too (so any node serves any
         * browser); false leaves them in the servlet container (one node, or sticky sessions).
         */
        private boolean sessions = true;

        public boolean isSessions() {
            return sessions;
        }

        public void setSessions(boolean sessions) {
            this.sessions = sessions;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public Duration getOutageLogInterval() {
            return outageLogInterval;
        }

        public void setOutageLogInterval(Duration outageLogInterval) {
            this.outageLogInterval = outageLogInterval;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    public static class Publish {

        /** Bearer token of POST /hub/publish; the endpoint answers 404 while it is unset. */
        private String token;

        /** Most users one publication of POST /hub/publish (or of a batch) may address. */
        private int maxUsers = 1000;

        /** Most publications one POST /hub/publish/batch may carry. */
        private int maxBatch = 1000;

        /**
         * How long CrudBus (and the outbox's sweeps) retry a publication the store refused; after that its
         * users get a reset.
         */
        private Duration retryFor = Duration.ofSeconds(30);

        public Duration getRetryFor() {
            return retryFor;
        }

        public void setRetryFor(Duration retryFor) {
            this.retryFor = retryFor;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }

        public int getMaxUsers() {
            return maxUsers;
        }

        public void setMaxUsers(int maxUsers) {
            this.maxUsers = maxUsers;
        }

        public int getMaxBatch() {
            return maxBatch;
        }

        public void setMaxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
        }
    }

    /**
     * The transactional outbox: CrudBus writes publications made inside a transaction to the table
     * hub_outbox of the application's database, in that transaction, and every node relays what is left there.
     */
    public static class Outbox {

        /** Write publications made inside a transaction to the table hub_outbox (create it first: see the README). */
        private boolean enabled;

        /** How long a publication may wait in the outbox before any node's sweep appends it. */
        private Duration relayAfter = Duration.ofSeconds(10);

        /** How often each node sweeps the outbox for publications left behind. */
        private Duration sweepInterval = Duration.ofSeconds(2);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getRelayAfter() {
            return relayAfter;
        }

        public void setRelayAfter(Duration relayAfter) {
            this.relayAfter = relayAfter;
        }

        public Duration getSweepInterval() {
            return sweepInterval;
        }

        public void setSweepInterval(Duration sweepInterval) {
            this.sweepInterval = sweepInterval;
        }
    }

    /**
     * Subscriber tokens: streams opened without a session, with a short-lived JWT that another backend signs. Off
     * until a secret or a public key is set.
     */
    public static class Token {

        /** Shared secret of the tokens: HS256 with at least 32 bytes; HS384 and HS512 too with 48 and 64 bytes. */
        private String secret;

        /** Public key (PEM text, or the path of a PEM file) of RS256/ES256 tokens (and their 384/512 variants). */
        private String publicKey;

        /** Cookie that carries the token. */
        private String cookie = "hub_token";

        /** Query parameter that carries the token (it shows in access logs: keep tokens short-lived). */
        private String parameter = "token";

        /** Claim that holds the user id. */
        private String userClaim = "sub";

        /** Required iss, when set. */
        private String issuer;

        /** Required aud, when set. */
        private String audience;

        /** Tolerated clock difference when checking exp and nbf. */
        private Duration clockSkew = Duration.ofSeconds(30);

        public boolean isEnabled() {
            return hasSecret() || hasPublicKey();
        }

        boolean hasSecret() {
            return hasText(secret);
        }

        boolean hasPublicKey() {
            return hasText(publicKey);
        }

        private static boolean hasText(String value) {
            return value != null && !value.isBlank();
        }

        public String getSecret() {
            return secret;
        }

        public void setSecret(String secret) {
            this.secret = secret;
        }

        public String getPublicKey() {
            return publicKey;
        }

        public void setPublicKey(String publicKey) {
            this.publicKey = publicKey;
        }

        public String getCookie() {
            return cookie;
        }

        public void setCookie(String cookie) {
            this.cookie = cookie;
        }

        public String getParameter() {
            return parameter;
        }

        public void setParameter(String parameter) {
            this.parameter = parameter;
        }

        public String getUserClaim() {
            return userClaim;
        }

        public void setUserClaim(String userClaim) {
            this.userClaim = userClaim;
        }

        public String getIssuer() {
            return issuer;
        }

        public void setIssuer(String issuer) {
            this.issuer = issuer;
        }

        public String getAudience() {
            return audience;
        }

        public void setAudience(String audience) {
            this.audience = audience;
        }

        public Duration getClockSkew() {
            return clockSkew;
        }

        public void setClockSkew(Duration clockSkew) {
            this.clockSkew = clockSkew;
        }
    }

    public EngineType getEngine() {
        return engine;
    }

    public void setEngine(EngineType engine) {
        this.engine = engine;
    }

    public int getMaxConnectionsPerUser() {
        return maxConnectionsPerUser;
    }

    public void setMaxConnectionsPerUser(int maxConnectionsPerUser) {
        this.maxConnectionsPerUser = maxConnectionsPerUser;
    }

    public int getOutboxSize() {
        return outboxSize;
    }

    public void setOutboxSize(int outboxSize) {
        this.outboxSize = outboxSize;
    }

    public Duration getHeartbeat() {
        return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    public Duration getRetry() {
        return retry;
    }

    public void setRetry(Duration retry) {
        this.retry = retry;
    }

    public Duration getStreamLifetime() {
        return streamLifetime;
    }

    public void setStreamLifetime(Duration streamLifetime) {
        this.streamLifetime = streamLifetime;
    }

    public Duration getDrainWindow() {
        return drainWindow;
    }

    public void setDrainWindow(Duration drainWindow) {
        this.drainWindow = drainWindow;
    }

    public Integer getStreamPort() {
        return streamPort;
    }

    public void setStreamPort(Integer streamPort) {
        this.streamPort = streamPort;
    }

    public Integer getStreamMaxConnections() {
        return streamMaxConnections;
    }

    public void setStreamMaxConnections(Integer streamMaxConnections) {
        this.streamMaxConnections = streamMaxConnections;
    }

    public Duration getServerHeadTimeout() {
        return serverHeadTimeout;
    }

    public void setServerHeadTimeout(Duration serverHeadTimeout) {
        this.serverHeadTimeout = serverHeadTimeout;
    }

    public Duration getServerBodyTimeout() {
        return serverBodyTimeout;
    }

    public void setServerBodyTimeout(Duration serverBodyTimeout) {
        this.serverBodyTimeout = serverBodyTimeout;
    }

    public Duration getStreamBodyTimeout() {
        return streamBodyTimeout;
    }

    public void setStreamBodyTimeout(Duration streamBodyTimeout) {
        this.streamBodyTimeout = streamBodyTimeout;
    }

    public boolean isOversubscribeConnections() {
        return oversubscribeConnections;
    }

    public void setOversubscribeConnections(boolean oversubscribeConnections) {
        this.oversubscribeConnections = oversubscribeConnections;
    }

    public Duration getStreamHeadTimeout() {
        return streamHeadTimeout;
    }

    public void setStreamHeadTimeout(Duration streamHeadTimeout) {
        this.streamHeadTimeout = streamHeadTimeout;
    }

    public String getStreamAddress() {
        return streamAddress;
    }

    public void setStreamAddress(String streamAddress) {
        this.streamAddress = streamAddress;
    }

    public int getCompactAbove() {
        return compactAbove;
    }

    public void setCompactAbove(int compactAbove) {
        this.compactAbove = compactAbove;
    }

    public int getCatchUpPage() {
        return catchUpPage;
    }

    public void setCatchUpPage(int catchUpPage) {
        this.catchUpPage = catchUpPage;
    }

    public int getPollLimit() {
        return pollLimit;
    }

    public void setPollLimit(int pollLimit) {
        this.pollLimit = pollLimit;
    }

    public Stream getStream() {
        return stream;
    }

    public Duration getSessionCheckInterval() {
        return sessionCheckInterval;
    }

    public void setSessionCheckInterval(Duration sessionCheckInterval) {
        this.sessionCheckInterval = sessionCheckInterval;
    }

    public ConnectRate getConnectRate() {
        return connectRate;
    }

    public Redis getRedis() {
        return redis;
    }

    public Publish getPublish() {
        return publish;
    }

    public Outbox getOutbox() {
        return outbox;
    }

    public Token getToken() {
        return token;
    }
}
