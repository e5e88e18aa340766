import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import rmsg.ControlMessages;
import rmsg.Message;
import rmsg.Rmsg;
import rmsg.RmsgSocket;
import rmsg.SocketType;
import rmsg.UnixAbstractAddress;

/**
 * Descriptors between Java and other processes: the Python binding
 * (tests/peer.py, which uses bindings/python) and a C program that uses
 * nothing but libc's recvmsg/sendmsg (tests/fdpeer.c). The exchange, on a
 * SOCK_SEQPACKET connection to an abstract address:
 *
 *   Java -> peer  "to-peer" + a pipe's write end; the peer writes "written by NAME" into it
 *   peer -> Java  "to-java" + its own pipe's write end; Java writes "written by java" into it
 *
 * and each side reads its pipe to the end and checks what the other wrote.
 */
final class InteropTests {
    private InteropTests() {}

    static void exchange(String peer, List<String> command, List<String> env) throws Exception {
        String name = "rmsg-java-" + ProcessHandle.current().pid() + "-" + peer;
        try (RmsgSocket listener = RmsgSocket.unix(SocketType.SEQPACKET)) {
            listener.bind(UnixAbstractAddress.of(name)).listen(1);
            listener.setReceiveTimeout(Duration.ofSeconds(60));
            List<String> argv = new ArrayList<>(command);
            argv.add(name);
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
            for (String kv : env) {
                int eq = kv.indexOf('=');
                pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            Process p = pb.start();
            try {
                try (RmsgSocket conn = listener.accept()) {
                    conn.setReceiveTimeout(Duration.ofSeconds(60));
                    int[] mine = Libc.pipe();
                    try (ControlMessages cm = new ControlMessages().fds(mine[1])) {
                        conn.send(ByteBuffer.wrap("to-peer".getBytes(UTF_8)), cm);
                    } finally {
                        Libc.close(mine[1]);
                    }
                    String written = Libc.readAll(mine[0]); // to the end: the peer closed its copy
                    Libc.close(mine[0]);
                    RmsgTests.eq("written by " + peer, written, "what the peer wrote through the descriptor");
                    try (Message m = conn.receive(ByteBuffer.allocateDirect(64))) {
                        RmsgTests.eq("to-java", new String(m.bytes(), UTF_8), "the peer's data");
                        RmsgTests.eq(1, m.fds().size(), "descriptors from the peer");
                        Libc.write(m.fds().get(0).value(), "written by java");
                    }
                }
            } finally {
                RmsgTests.Finished f = RmsgTests.finish(p);
                RmsgTests.check(f.code() == 0 && f.output().contains("peer ok"),
                        peer + " peer exited with " + f.code() + ":\n" + f.output());
            }
        }
    }

    @RmsgTests.Test
    static void descriptorsJavaToPythonAndBack() throws Exception {
        Path root = Path.of(System.getProperty("rmsg.test.root"));
        List<String> env = new ArrayList<>();
        env.add("PYTHONPATH=" + root.resolve("bindings/python"));
        if (Rmsg.libraryPath().contains("/")) {
            env.add("RMSG_LIBRARY=" + Rmsg.libraryPath()); // the same library on both sides
        }
        exchange("python", List.of("python3", root.resolve("bindings/java/tests/peer.py").toString()), env);
    }

    @RmsgTests.Test
    static void descriptorsJavaToC() throws Exception {
        exchange("c", List.of(System.getProperty("rmsg.test.fdpeer")), List.of());
    }
}
