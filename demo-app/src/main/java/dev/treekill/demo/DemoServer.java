package dev.treekill.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The server in the middle of the demo tree: listens on a loopback port and keeps worker processes.
 * Usage: {@code DemoServer <port> <workers>}.
 *
 * <p>Like many real servers it has no shutdown hook and does not watch its parent, so when its wrapper
 * is killed it lives on with its port and workers; that is what the demo makes visible.
 */
public final class DemoServer {
    private static final String WORKER_SCRIPT = "while :; do sleep 1; done";
    private static final byte[] GREETING = "treekill-demo-server\n".getBytes(StandardCharsets.US_ASCII);

    private DemoServer() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = Integer.parseInt(args[0]);
        int workers = Integer.parseInt(args[1]);
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(Ports.LOOPBACK, port));
        startAnswering(server);
        for (int i = 0; i < workers; i++) {
            startWorker();
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void startAnswering(ServerSocket server) {
        Thread acceptor = new Thread(() -> answerUntilClosed(server), "demo-server-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private static void answerUntilClosed(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket client = server.accept(); OutputStream out = client.getOutputStream()) {
                out.write(GREETING);
            } catch (IOException e) {
                // A client that hung up early is no reason to stop serving the next one.
            }
        }
    }

    private static void startWorker() throws IOException {
        new ProcessBuilder("/bin/sh", "-c", WORKER_SCRIPT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
