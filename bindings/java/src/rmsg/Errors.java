package rmsg;

/**
 * Turns a failed call into its exception: a status that says the caller
 * passed something the library refuses becomes an
 * {@link IllegalArgumentException}; every other one an {@link RmsgException}
 * (or one of its subclasses), with the status, its name and the errno.
 */
final class Errors {
    private Errors() {}

    static final int OK = 0;
    static final int WOULD_BLOCK = 2;
    static final int TIMED_OUT = 3;
    static final int NULL_ARGUMENT = 5;
    static final int INVALID_ARGUMENT = 6;
    static final int TOO_LARGE = 7;
    static final int BUFFER_TOO_SMALL = 11;
    static final int UNKNOWN_KIND = 20;
    static final int TOO_MANY_FDS = 30;
    static final int INVALID_ADDRESS = 31;

    /** Whether a status reports a bad argument rather than a failed call. */
    static boolean isArgument(int status) {
        return switch (status) {
            case NULL_ARGUMENT, INVALID_ARGUMENT, TOO_LARGE, UNKNOWN_KIND, TOO_MANY_FDS, INVALID_ADDRESS -> true;
            default -> false;
        };
    }

    /**
     * The exception for {@code status} from the rmsg function
     * {@code operation}; the errno is read at once with
     * {@code rmsg_last_errno} (same thread, no call in between).
     */
    static RmsgException status(String operation, int status) {
        int errno = Native.lastErrno();
        if (isArgument(status)) {
            throw new IllegalArgumentException(
                    operation + ": " + Native.statusDescribe(status) + " (" + Native.statusName(status) + ")");
        }
        String name = Native.statusName(status);
        String detail = Native.statusDescribe(status);
        return switch (status) {
            case TIMED_OUT -> new TimedOutException(operation, status, name, errno, detail);
            case WOULD_BLOCK -> new WouldBlockException(operation, status, name, errno, detail);
            default -> new RmsgException(operation, status, name, errno,
                    status == RmsgException.STATUS_OS ? Native.strerror(errno) : detail);
        };
    }

    /** {@link #status} for a call whose every failure is a bad argument. */
    static IllegalArgumentException argument(String operation, int status) {
        String text = operation + ": " + Native.statusDescribe(status) + " (" + Native.statusName(status) + ")";
        return new IllegalArgumentException(text);
    }

    /** The exception for a failed libc call that set {@code errno}. */
    static RmsgException os(String operation, int errno) {
        String name = Native.statusName(RmsgException.STATUS_OS);
        return switch (errno) {
            case 11 -> new WouldBlockException(operation, WOULD_BLOCK, Native.statusName(WOULD_BLOCK), errno,
                    Native.strerror(errno));
            case 110 -> new TimedOutException(operation, TIMED_OUT, Native.statusName(TIMED_OUT), errno,
                    Native.strerror(errno));
            default -> new RmsgException(operation, RmsgException.STATUS_OS, name, errno, Native.strerror(errno));
        };
    }
}
