package dev.livehub.hub.starter;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A host application as a Java team writes it: the {@code hub} dependency, {@code hub.*} properties, and nothing
 * else. It gets {@code /stream/app}, {@code /stream/app/poll}, {@code /hub/publish}, {@code CrudBus} and
 * {@code /hub/app-stream.js}.
 */
@SpringBootApplication
public class StarterApplication {

    public static void main(String[] args) {
        SpringApplication.run(StarterApplication.class, args);
    }
}
