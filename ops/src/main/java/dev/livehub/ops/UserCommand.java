package dev.livehub.ops;

import picocli.CommandLine.Parameters;

/**
 * A command about one user's stream: its first parameter is the user's hub id.
 */
abstract class UserCommand extends StoreCommand {

    @Parameters(index = "0", paramLabel = "USER", description = "the user's hub id")
    String user;
}
