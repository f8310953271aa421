package dev.treekill.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The loopback port the demo server listens on: how to pick it, whether the server answers, whether it is free again. */
final class Ports {
    /** A literal address, so that neither a resolver nor an IPv6 preference can send us elsewhere. */
    static final String LOOPBACK = "127.0.0.1";

    private static final int CONNECT_TIMEOUT_MILLIS = 500;
    private static final int READ_TIMEOUT_MILLIS = 1000;

    private Ports() {
    }

    static int pickFree() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, 0));
            return socket.getLocalPort();
        }
    }

    static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            return reader.readLine() != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** True if a new server could listen on the port right now, i.e. no surviving process still holds it. */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Connections our readiness probe left in TIME_WAIT must not count as "held".
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
