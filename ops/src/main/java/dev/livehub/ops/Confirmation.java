package dev.livehub.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * Asks before a change that cannot be undone, unless {@code --yes}. Without a terminal to ask on, it refuses.
 */
final class Confirmation {

    private Confirmation() {
    }

    static void require(boolean yes, String question, BufferedReader in, PrintWriter err) {
        if (yes) {
            return;
        }
        err.print(question + " [y/N] ");
        err.flush();
        String answer;
        try {
            answer = in.readLine();
        }
        catch (IOException ex) {
            answer = null;
        }
        if (answer == null || !answer.strip().toLowerCase().startsWith("y")) {
            throw new HubctlException(Hubctl.NOT_CONFIRMED, "not confirmed; nothing was changed (pass --yes to skip "
                    + "the question)");
        }
    }
}
