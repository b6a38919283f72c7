package dev.livehub.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import dev.livehub.hub.VirtualThreadCarriers;

/**
 * A small learning-management app whose pages stay live through the hub: the demo and the reference integration.
 */
@SpringBootApplication
public class App {

    public static void main(String[] args) {
        VirtualThreadCarriers.raise();
        SpringApplication.run(App.class, args);
    }
}
