package dev.livehub.hub.console;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The operators' console ({@code /hub/console}) and the node heartbeat it reads, under {@code hub.console.*}.
 */
@ConfigurationProperties("hub.console")
public class ConsoleProperties {

    /** Whether {@code /hub/console} is served (to users in {@code hub.console.role} only). */
    private boolean enabled = true;

    /** The role (Servlet {@code isUserInRole}; Spring Security authority {@code ROLE_<role>}) the console requires. */
    private String role = "ADMIN";

    /** The name this node reports itself under in the console and to hubctl; unset, host name and process id. */
    private String nodeName;

    /** How often this node stores its heartbeat; it expires after three intervals. */
    private Duration heartbeat = Duration.ofSeconds(5);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getRole() {
        return role;
    }

    public void setRole(String role) {
        this.role = role;
    }

    public String getNodeName() {
        return nodeName;
    }

    public void setNodeName(String nodeName) {
        this.nodeName = nodeName;
    }

    public Duration getHeartbeat() {
        return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }
}
