package com.example.invoices;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * This app is the README's "Spring app" guide: every snippet the guide marks {@code <!-- from <file> -->} is in that
 * file, line for line (indentation aside), so the tests of this module test what the README tells people to write.
 */
class ReadmeGuideTests {

    private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();

    private static final Pattern SNIPPET = Pattern.compile("<!-- from (\\S+) -->\\n```\\w*\\n(.*?)\\n```",
            Pattern.DOTALL);

    @Test
    void everySnippetOfTheGuideIsInThisAppAsWritten() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String guide = readme.substring(readme.indexOf("## A Spring app, step by step"));
        guide = guide.substring(0, guide.indexOf("\n## ", 1));
        List<String> files = new ArrayList<>();
        Matcher snippet = SNIPPET.matcher(guide);
        while (snippet.find()) {
            String file = snippet.group(1);
            files.add(file);
            assertThat(normalised(Files.readString(ROOT.resolve(file))))
                .as("README snippet from %s", file)
                .contains(normalised(snippet.group(2)));
        }
        assertThat(files).as("the guide's snippets").hasSizeGreaterThanOrEqualTo(9)
            .allMatch(file -> file.startsWith("examples/spring-host/"));
    }

    private static String normalised(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).collect(Collectors.joining("\n"));
    }
}
