package dev.livehub.loadtest;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Keep-alive HTTP/1.1 connections for publishers: a fixed pool of plain sockets, one request at a time on each. The
 * JDK's HttpClient spent more CPU per request than the servers under test, which made the publisher, not the server,
 * the bottleneck of a run; this costs a write and a read.
 */
final class HttpPool implements AutoCloseable {

    private final URI base;

    private final BlockingQueue<Connection> idle;

    private record Connection(Socket socket, InputStream in, OutputStream out) {
    }

    /** A pool slot with no socket yet (or no more): the next request on it connects. */
    private static final Connection UNOPENED = new Connection(null, null, null);

    /** A response: its status, its body, and whether the server closes the connection after it. */
    record Response(int status, String body, boolean close) {
    }

    HttpPool(URI base, int size) {
        this.base = base;
        this.idle = new ArrayBlockingQueue<>(size);
        for (int i = 0; i < size; i++) {
            idle.add(UNOPENED);
        }
    }

    Response post(String path, String headers, String body) throws IOException, InterruptedException {
        Connection connection = idle.take();
        try {
            if (connection.socket() == null) {
                connection = open();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json"
                    + "\r\nContent-Length: " + bytes.length + "\r\n" + headers + "\r\n";
            connection.out().write(head.getBytes(StandardCharsets.ISO_8859_1));
            connection.out().write(bytes);
            connection.out().flush();
            Response response = read(connection.in());
            if (response.close()) {
                // Servers close keep-alive connections after so many requests (Tomcat 100, nginx 1000).
                connection.socket().close();
                connection = UNOPENED;
            }
            idle.add(connection);
            return response;
        }
        catch (IOException ex) {
            if (connection.socket() != null) {
                connection.socket().close();
            }
            idle.add(UNOPENED);
            throw ex;
        }
    }

    private Connection open() throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
        return new Connection(socket, new BufferedInputStream(socket.getInputStream()), socket.getOutputStream());
    }

    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        int code = Integer.parseInt(status.split(" ")[1]);
        int length = 0;
        boolean chunked = false;
        boolean close = false;
        String header;
        while (!(header = line(in)).isEmpty()) {
            String lower = header.toLowerCase();
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(15).strip());
            }
            else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
            else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            int size;
            while ((size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) > 0) {
                body.write(in.readNBytes(size));
                line(in);
            }
            line(in);
        }
        else {
            body.write(in.readNBytes(length));
        }
        return new Response(code, body.toString(StandardCharsets.UTF_8), close);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c < 0 && line.isEmpty()) {
            throw new IOException("connection closed by the server");
        }
        return line.toString();
    }

    @Override
    public void close() {
        for (Connection connection : idle) {
            if (connection.socket() != null) {
                try {
                    connection.socket().close();
                }
                catch (IOException ex) {
                    // closing anyway
                }
            }
        }
    }
}
