package dev.livehub.hub.console;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The operators' console (/hub/console) and the node heartbeat it reads, under hub.console.*.
 */
@ConfigurationProperties("hub.console")
public class ConsoleProperties {

    /** Whether /hub/console is served (to users in hub.console.role only). */
    private boolean enabled = true;

    /** The role (Servlet isUserInRole; Spring Security authority ROLE_ and the role) the console requires. */
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
