import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The few libc calls the tests make themselves (pipes, reads, writes), through the FFM API. */
final class Libc {
    private Libc() {}

    private static final Linker LINKER = Linker.nativeLinker();

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), d);
    }

    private static final MethodHandle PIPE2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP = fn("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = fn("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETUID = fn("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETGID = fn("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SETSOCKOPT = fn("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private static final int O_CLOEXEC = 0x80000;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_GETFD = 1;

    /** A close-on-exec pipe: {read end, write end}. */
    static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if ((int) PIPE2.invokeExact(fds, O_CLOEXEC) != 0) {
                throw new IllegalStateException("pipe2 failed");
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void write(int fd, String text) {
        byte[] b = text.getBytes();
        try (Arena a = Arena.ofConfined()) {
            long n = (long) WRITE.invokeExact(fd, a.allocateFrom(JAVA_BYTE, b), (long) b.length);
            if (n != b.length) {
                throw new IllegalStateException("write(" + fd + ") gave " + n);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Everything up to end of file. */
    static String readAll(int fd) {
        StringBuilder out = new StringBuilder();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            for (;;) {
                long n = (long) READ.invokeExact(fd, buf, 4096L);
                if (n < 0) {
                    throw new IllegalStateException("read(" + fd + ") failed");
                }
                if (n == 0) {
                    return out.toString();
                }
                out.append(new String(buf.asSlice(0, n).toArray(JAVA_BYTE)));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        try {
            if ((int) CLOSE.invokeExact(fd) != 0) {
                throw new IllegalStateException("close(" + fd + ") failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A close-on-exec copy of {@code fd}. */
    static int dup(int fd) {
        try {
            int r = (int) DUP.invokeExact(fd, F_DUPFD_CLOEXEC, 0);
            if (r < 0) {
                throw new IllegalStateException("dup(" + fd + ") failed");
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static boolean isOpen(int fd) {
        try {
            return (int) FCNTL.invokeExact(fd, F_GETFD) != -1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getuid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getgid() {
        try {
            return (int) GETGID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2) with the bytes of {@code value}: whether the kernel took it. */
    static boolean setsockopt(int fd, int level, int name, byte[] value) {
        try (Arena a = Arena.ofConfined()) {
            return (int) SETSOCKOPT.invokeExact(fd, level, name, a.allocateFrom(JAVA_BYTE, value), value.length) == 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2) with an int: whether the kernel took it. */
    static boolean setsockopt(int fd, int level, int name, int value) {
        return setsockopt(fd, level, name,
                java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(value).array());
    }

    /** The process's open descriptors, as "number -> target" (the listing's own excepted). */
    static List<String> openFds() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    out.add(p.getFileName() + " -> " + Files.readSymbolicLink(p));
                } catch (IOException e) {
                    // the listing's own descriptor, closed by now
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
