package rmsg;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds and loads librmsg, once per JVM. Where it is looked for, in order
 * (the first that loads wins), as the Python binding does:
 *
 * <ol>
 * <li>an explicit path: the system property {@code rmsg.library}, else the
 *     environment variable {@code RMSG_LIBRARY}; when one is set, a failure
 *     to load it is an error and nothing else is tried;</li>
 * <li>the build of the checkout this module was built in: going up from
 *     the jar (or class directory) to the first directory holding both
 *     {@code Cargo.toml} and {@code bindings/java},
 *     {@code target/release/librmsg.so} then {@code target/debug/librmsg.so};</li>
 * <li>the system's {@code librmsg.so.0} (the dynamic loader's search:
 *     {@code LD_LIBRARY_PATH}, {@code ldconfig}'s cache).</li>
 * </ol>
 *
 * The library stays loaded for the life of the JVM ({@link Arena#global()}).
 * When none loads, the first use of the binding throws
 * {@link UnsatisfiedLinkError} listing what was tried.
 */
final class Library {
    private Library() {}

    /** The loaded library's symbols. */
    static final SymbolLookup LOOKUP;
    /** What was loaded: a path, or the name handed to the loader. */
    static final String PATH;

    static {
        List<String> errors = new ArrayList<>();
        SymbolLookup found = null;
        String path = null;
        String explicit = System.getProperty("rmsg.library");
        String from = "the system property rmsg.library";
        if (explicit == null || explicit.isEmpty()) {
            explicit = System.getenv("RMSG_LIBRARY");
            from = "RMSG_LIBRARY";
        }
        if (explicit != null && !explicit.isEmpty()) {
            try {
                found = SymbolLookup.libraryLookup(Path.of(explicit), Arena.global());
                path = explicit;
            } catch (IllegalArgumentException e) {
                throw new UnsatisfiedLinkError(
                        "rmsg: cannot load the library named by " + from + " (" + explicit + "): "
                                + e.getMessage());
            }
        } else {
            for (Path candidate : checkoutBuilds()) {
                try {
                    found = SymbolLookup.libraryLookup(candidate, Arena.global());
                    path = candidate.toString();
                    break;
                } catch (IllegalArgumentException e) {
                    errors.add(candidate + ": " + e.getMessage());
                }
            }
            if (found == null) {
                try {
                    found = SymbolLookup.libraryLookup("librmsg.so.0", Arena.global());
                    path = "librmsg.so.0";
                } catch (IllegalArgumentException e) {
                    errors.add("librmsg.so.0: " + e.getMessage());
                }
            }
        }
        if (found == null) {
            throw new UnsatisfiedLinkError(
                    "rmsg: cannot find librmsg (build it with `cargo build --release`, or set "
                            + "RMSG_LIBRARY or -Drmsg.library to its path). Tried:\n  "
                            + String.join("\n  ", errors));
        }
        LOOKUP = found;
        PATH = path;
    }

    /** {@code target/release} and {@code target/debug} of the checkout, if any. */
    private static List<Path> checkoutBuilds() {
        List<Path> out = new ArrayList<>();
        Path here;
        try {
            var source = Library.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return out;
            }
            here = Path.of(source.getLocation().toURI()).toAbsolutePath();
        } catch (Exception e) {
            return out; // not a file location (a custom class loader): no checkout
        }
        for (Path dir = here.getParent(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("Cargo.toml"))
                    && Files.isDirectory(dir.resolve("bindings/java"))) {
                for (String profile : new String[] {"release", "debug"}) {
                    Path p = dir.resolve("target").resolve(profile).resolve("librmsg.so");
                    if (Files.exists(p)) {
                        out.add(p);
                    }
                }
                break;
            }
        }
        return out;
    }
}
