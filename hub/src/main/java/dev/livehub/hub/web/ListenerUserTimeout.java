package dev.livehub.hub.web;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Sets {@code TCP_USER_TIMEOUT} (tcp(7)) on the listening sockets of a port in this process, so that every connection
 * they accept inherits it: the kernel drops a connection whose sent data stays unacknowledged that long (a client gone
 * without FIN or RST), and the next write on it fails with {@code ETIMEDOUT}. The JDK's sockets have no such option and
 * a servlet container does not hand out its listener's descriptor, so the listener is found the way {@code ss -lp}
 * finds it: its inode in {@code /proc/net/tcp} and {@code /proc/net/tcp6} (state {@code 0A}, LISTEN), then the
 * descriptor in {@code /proc/self/fd} that links to {@code socket:[inode]}. {@code setsockopt(2)} is called through
 * the JDK's foreign function API. Linux only; elsewhere, or when {@code /proc} is not readable, nothing is set.
 * Thread-safe; meant to be called once, after the port is bound.
 */
public final class ListenerUserTimeout {

    /** {@code IPPROTO_TCP} and {@code TCP_USER_TIMEOUT} from {@code <netinet/tcp.h>} (Linux 2.6.37 and later). */
    private static final int IPPROTO_TCP = 6;

    private static final int TCP_USER_TIMEOUT = 18;

    private static final String LISTEN = "0A";

    private ListenerUserTimeout() {
    }

    /**
     * Sets the timeout on every socket of this process listening on {@code port} (IPv4 and IPv6).
     *
     * @param port the bound port, 1-65535
     * @param timeout at least 1 ms; rounded down to whole milliseconds, capped at {@link Integer#MAX_VALUE} ms
     * @return the listening sockets it was set on: 0 when this is not Linux or none was found
     * @throws IOException when {@code setsockopt} refuses it (the message names errno)
     */
    public static int set(int port, Duration timeout) throws IOException {
        if (port < 1 || port > 65535 || timeout.toMillis() < 1) {
            throw new IllegalArgumentException("port " + port + " and timeout " + timeout
                    + ": a port 1-65535 and a timeout of at least 1 ms");
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return 0;
        }
        Set<String> inodes = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (Files.isReadable(path)) {
                inodes.addAll(listeningInodes(Files.readAllLines(path), port));
            }
        }
        if (inodes.isEmpty()) {
            return 0;
        }
        int set = 0;
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path descriptor : descriptors) {
                String target;
                try {
                    target = Files.readSymbolicLink(descriptor).toString();
                }
                catch (IOException ex) {
                    continue; // closed since the directory was read
                }
                if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                    Setsockopt.userTimeout(Integer.parseInt(descriptor.getFileName().toString()), millis);
                    set++;
                }
            }
        }
        return set;
    }

    /**
     * The inodes of the sockets listening on {@code port} in one of the kernel's {@code /proc/net/tcp} tables: lines of
     * {@code sl local_address rem_address st ... inode}, the address as hex {@code IP:PORT}.
     */
    static Set<String> listeningInodes(List<String> table, int port) {
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        Set<String> inodes = new HashSet<>();
        for (String line : table) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 9 && fields[1].endsWith(hexPort) && LISTEN.equals(fields[3])) {
                inodes.add(fields[9]);
            }
        }
        return inodes;
    }

    /** {@code setsockopt(2)} through the foreign function API, loaded on first use. */
    private static final class Setsockopt {

        private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

        private static final VarHandle ERRNO = CALL_STATE
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

        private static final MethodHandle SETSOCKOPT = Linker.nativeLinker()
            .downcallHandle(Linker.nativeLinker().defaultLookup().findOrThrow("setsockopt"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                    Linker.Option.captureCallState("errno"));

        static void userTimeout(int fd, int millis) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(CALL_STATE);
                MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, millis);
                int result = (int) SETSOCKOPT.invokeExact(state, fd, IPPROTO_TCP, TCP_USER_TIMEOUT, value,
                        (int) ValueLayout.JAVA_INT.byteSize());
                if (result != 0) {
                    throw new IOException("setsockopt(TCP_USER_TIMEOUT) on descriptor " + fd + " failed: errno "
                            + (int) ERRNO.get(state, 0L));
                }
            }
            catch (IOException | RuntimeException | Error ex) {
                throw ex;
            }
            catch (Throwable ex) {
                throw new IllegalStateException("setsockopt could not be called", ex);
            }
        }
    }
}
