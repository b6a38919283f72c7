package com.example.invoices;

import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The app's own JsonMapper, with default typing (as for a Redis cache): it writes {@code ["java.lang.Long",2]} for a
 * Long in a map. The hub must not use it for its wire format.
 */
@Configuration(proxyBeanMethods = false)
class JsonConfig {

    @Bean
    JsonMapper jsonMapper() {
        return JsonMapper.builder()
            .activateDefaultTyping(BasicPolymorphicTypeValidator.builder().allowIfBaseType(Object.class).build(),
                    DefaultTyping.NON_FINAL)
            .build();
    }
}
