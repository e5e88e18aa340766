package rmsg;

/** The library this binding runs with. */
public final class Rmsg {
    private Rmsg() {}

    /** The version of the loaded librmsg ({@code rmsg_version()}, {@code "0.1.0"}). */
    public static String version() {
        return Native.version();
    }

    /** The path (or loader name, {@code librmsg.so.0}) of the library that was loaded. */
    public static String libraryPath() {
        return Library.PATH;
    }
}
