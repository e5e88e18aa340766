import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.SocketOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binding's hand-written C declarations against the headers: every
 * struct layout (size and the offset of every named field) against
 * include/rmsg.h, and every number it names (rmsg_kind and rmsg_status
 * values, MSG_* flags, socket option levels and numbers, address families,
 * socket types) against the header and the system's. The C program is
 * generated from the binding's own tables (read by reflection, the tests
 * run with --add-opens rmsg/rmsg), so nothing is left out.
 */
final class LayoutTests {
    private LayoutTests() {}

    /** C expression -> the value the binding uses. */
    static Map<String, Long> expectations() throws Exception {
        Map<String, Long> want = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        List<StructLayout> layouts = (List<StructLayout>) field("rmsg.Layouts", "ALL").get(null);
        for (StructLayout s : layouts) {
            String c = s.name().orElseThrow();
            want.put("sizeof(" + c + ")", s.byteSize());
            for (MemoryLayout m : s.memberLayouts()) {
                if (m.name().isPresent()) {
                    want.put("offsetof(" + c + ", " + m.name().get() + ")",
                            s.byteOffset(groupElement(m.name().get())));
                }
            }
        }
        for (Field f : ints("rmsg.Kind")) {
            if (!f.getName().equals("COUNT")) {
                want.put("RMSG_KIND_" + f.getName(), (long) f.getInt(null));
            }
        }
        // The kinds the binding reads from the view's fields: each has its
        // RMSG_VIEW_<KIND> bit (1 << kind) in the header.
        long[] viewField = (long[]) field("rmsg.Layouts", "VIEW_FIELD").get(null);
        for (Field f : ints("rmsg.Kind")) {
            int kind = f.getInt(null);
            if (!f.getName().equals("COUNT") && viewField[kind] >= 0) {
                want.put("RMSG_VIEW_" + f.getName(), 1L << kind);
            }
        }
        for (Field f : ints("rmsg.Errors")) {
            want.put(f.getName().equals("OK") ? "RMSG_OK" : "RMSG_ERR_" + f.getName(), (long) f.getInt(null));
        }
        for (Field f : ints("rmsg.MsgFlags")) {
            want.put(f.getName(), (long) f.getInt(null));
        }
        for (Field f : ints("rmsg.RmsgOptions")) {
            want.put(f.getName(), (long) f.getInt(null)); // the levels
        }
        for (Field f : Class.forName("rmsg.RmsgOptions").getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && SocketOption.class.isAssignableFrom(f.getType())) {
                Record option = (Record) f.get(null);
                var number = option.getClass().getDeclaredMethod("number");
                number.setAccessible(true);
                want.put(f.getName(), (long) (int) number.invoke(option));
            }
        }
        for (Field f : ints("rmsg.Addresses")) {
            want.put(f.getName(), (long) f.getInt(null));
        }
        want.put("SOCK_CLOEXEC", (long) field("rmsg.MessageSocket", "SOCK_CLOEXEC").getInt(null));
        want.put("RMSG_SCM_MAX_FD", (long) field("rmsg.Decoder", "SCM_MAX_FD").getInt(null));
        for (rmsg.SocketType t : rmsg.SocketType.values()) {
            Field f = rmsg.SocketType.class.getDeclaredField("value");
            f.setAccessible(true);
            want.put(t == rmsg.SocketType.DATAGRAM ? "SOCK_DGRAM" : "SOCK_" + t.name(), (long) f.getInt(t));
        }
        return want;
    }

    private static Field field(String cls, String name) throws Exception {
        Field f = Class.forName(cls).getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    /** The static final int fields of a class. */
    private static List<Field> ints(String cls) throws Exception {
        List<Field> out = new ArrayList<>();
        for (Field f : Class.forName(cls).getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == int.class) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    @RmsgTests.Test
    static void layoutsAndConstantsMatchTheHeaders() throws Exception {
        Map<String, Long> want = expectations();
        Path root = Path.of(System.getProperty("rmsg.test.root"));
        Path work = Files.createTempDirectory(Path.of(System.getProperty("rmsg.test.work")), "layout");
        try {
            StringBuilder c = new StringBuilder("""
                    #define _GNU_SOURCE
                    #include <netinet/in.h>
                    #include <netinet/udp.h>
                    #include <stddef.h>
                    #include <stdio.h>
                    #include <sys/socket.h>
                    #include <rmsg.h>
                    int main(void) {
                    """);
            for (String expr : want.keySet()) {
                c.append("    printf(\"%lld\\n\", (long long)(").append(expr).append("));\n");
            }
            c.append("    return 0;\n}\n");
            Path src = work.resolve("layout.c");
            Path exe = work.resolve("layout");
            Files.writeString(src, c);
            run(List.of("cc", "-std=c99", "-Wall", "-Werror", "-I", root.resolve("include").toString(),
                    src.toString(), "-o", exe.toString()));
            String[] got = run(List.of(exe.toString())).split("\n");
            RmsgTests.eq(want.size(), got.length, "values printed");
            List<String> wrong = new ArrayList<>();
            int i = 0;
            for (var e : want.entrySet()) {
                long g = Long.parseLong(got[i++].trim());
                if (g != e.getValue()) {
                    wrong.add(e.getKey() + " is " + g + " in C, " + e.getValue() + " in Java");
                }
            }
            RmsgTests.check(wrong.isEmpty(), "differ from the headers: " + wrong);
            RmsgTests.check(want.size() > 120, "only " + want.size() + " values checked");
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static String run(List<String> command) throws Exception {
        RmsgTests.Finished f = RmsgTests.finish(new ProcessBuilder(command).redirectErrorStream(true).start());
        RmsgTests.check(f.code() == 0, command.get(0) + " exited with " + f.code() + ":\n" + f.output());
        return f.output();
    }
}
