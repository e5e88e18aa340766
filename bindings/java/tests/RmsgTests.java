import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The Java binding's test runner: plain Java, no framework. Runs every
 * static method annotated {@link Test} of the test classes (by class, then
 * name), each on real kernel sockets, and checks that each ends with no
 * more descriptors open in the process than it began with (the entries of
 * /proc/self/fd); a test that leaves one open fails and lists it.
 *
 *   java ... RmsgTests [NAME-PART...]   runs the tests whose Class.method contains a part
 *
 * Prints one line per test and ends with "java: N passed, N failed, N skipped";
 * exits 1 when any failed.
 */
public final class RmsgTests {
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Test {}

    /** Thrown by a test that cannot run here, with the reason. */
    static final class Skip extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skip(String reason) {
            super(reason);
        }
    }

    static final List<Class<?>> CLASSES = List.of(
            LayoutTests.class, SocketTests.class, UdpTests.class, ViewTests.class, ArgumentTests.class,
            InteropTests.class);

    public static void main(String[] args) throws Exception {
        System.out.println("rmsg " + rmsg.Rmsg.version() + " from " + rmsg.Rmsg.libraryPath() + ", Java "
                + Runtime.version());
        warmUp();
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        for (Class<?> c : CLASSES) {
            Method[] methods = c.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!m.isAnnotationPresent(Test.class) || !Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                String name = c.getSimpleName() + "." + m.getName();
                if (args.length > 0 && Arrays.stream(args).noneMatch(name::contains)) {
                    continue;
                }
                List<String> before = Libc.openFds();
                Throwable failure = null;
                try {
                    m.invoke(null);
                } catch (InvocationTargetException e) {
                    failure = e.getCause();
                }
                if (failure instanceof Skip s) {
                    skipped++;
                    System.out.println("skip " + name + ": " + s.getMessage());
                    continue;
                }
                if (failure == null) {
                    List<String> after = Libc.openFds();
                    if (after.size() > before.size()) {
                        List<String> extra = new ArrayList<>(after);
                        extra.removeAll(before);
                        failure = new AssertionError("descriptors left open: " + before.size() + " before, "
                                + after.size() + " after; new: " + extra);
                    }
                }
                if (failure == null) {
                    passed++;
                    System.out.println("ok   " + name);
                } else {
                    failed++;
                    System.out.println("FAIL " + name + ": " + failure);
                    failure.printStackTrace(System.out);
                }
            }
        }
        System.out.println("java: " + passed + " passed, " + failed + " failed, " + skipped + " skipped");
        System.exit(failed == 0 ? 0 : 1);
    }

    /**
     * Opens what the JVM keeps open once first used (a temporary-file
     * random source, a child-process helper), so that the first test that
     * uses them is not blamed for it.
     */
    static void warmUp() throws Exception {
        Path d = Files.createTempDirectory("rmsg-java");
        Files.delete(d);
        finish(new ProcessBuilder("true").redirectErrorStream(true).start());
    }

    /** A child's output (stdout and stderr merged) and exit code, its pipes closed. */
    record Finished(int code, String output) {}

    static Finished finish(Process p) throws Exception {
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            p.getInputStream().close();
            p.getOutputStream().close();
            p.getErrorStream().close();
        }
        return new Finished(p.waitFor(), out);
    }

    // --- assertions -------------------------------------------------------------------

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void eq(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body}, which must throw a {@code type}; returns it. */
    static <T extends Throwable> T expect(Class<T> type, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError("expected " + type.getSimpleName() + ", nothing was thrown");
    }
}
