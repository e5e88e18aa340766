package rmsg;

import java.io.IOException;

/**
 * A socket call failed: the {@code rmsg_status} the library returned (or
 * {@code RMSG_ERR_OS} for a libc socket call the binding made itself), its
 * symbolic name, and the OS error number that went with it.
 *
 * <p>Subclasses name the outcomes a program usually handles on its own:
 * {@link TimedOutException} (the socket's receive or send timeout passed)
 * and {@link WouldBlockException} (a zero timeout, or a non-blocking
 * socket, with nothing to do). Bad arguments are never reported this way:
 * they are {@link IllegalArgumentException} or
 * {@link NullPointerException}, thrown before anything is sent or received.
 */
public class RmsgException extends IOException {
    private static final long serialVersionUID = 1L;

    /** {@code RMSG_ERR_OS}: an OS error with no more specific status. */
    public static final int STATUS_OS = 1;

    private final int status;
    private final String statusName;
    private final int errno;

    /**
     * @param operation what failed ({@code "rmsg_recvmsg_into"}, {@code "bind"} ...)
     * @param status the {@code rmsg_status}
     * @param statusName its symbolic name ({@code "RMSG_ERR_TIMED_OUT"})
     * @param errno the OS error number (0 when none)
     * @param detail the human-readable reason
     */
    public RmsgException(String operation, int status, String statusName, int errno, String detail) {
        super(operation + ": " + detail + " (" + statusName + ", errno " + errno + ")");
        this.status = status;
        this.statusName = statusName;
        this.errno = errno;
    }

    /** The {@code rmsg_status} number ({@code RMSG_ERR_TIMED_OUT} is 3 ...). */
    public int status() {
        return status;
    }

    /** The status's symbolic name, as {@code rmsg_status_name} gives it. */
    public String statusName() {
        return statusName;
    }

    /** The OS error number ({@code ETIMEDOUT}, {@code EBADF} ...), or 0. */
    public int errno() {
        return errno;
    }
}
