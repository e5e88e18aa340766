package rmsg;

/**
 * The socket's timeout ({@link MessageSocket#setReceiveTimeout},
 * {@link MessageSocket#setSendTimeout}) passed before anything was
 * received or sent ({@code RMSG_ERR_TIMED_OUT}, errno {@code ETIMEDOUT}).
 * Nothing was consumed: the next call may still succeed.
 */
public final class TimedOutException extends RmsgException {
    private static final long serialVersionUID = 1L;

    TimedOutException(String operation, int status, String statusName, int errno, String detail) {
        super(operation, status, statusName, errno, detail);
    }
}
