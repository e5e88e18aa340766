package rmsg;

/**
 * Nothing to receive, or no room to send, and the call was not to wait: a
 * zero timeout, or a socket put in non-blocking mode by its owner
 * ({@code RMSG_ERR_WOULD_BLOCK}, errno {@code EAGAIN}).
 */
public final class WouldBlockException extends RmsgException {
    private static final long serialVersionUID = 1L;

    WouldBlockException(String operation, int status, String statusName, int errno, String detail) {
        super(operation, status, statusName, errno, detail);
    }
}
