//! The test hook. Debug builds only (the tests build the library in debug),
//! and not in `include/rmsg.h` (cbindgen.toml excludes it): the C tests
//! declare it themselves in `c_tests/testing.h`. Release builds export
//! exactly what the header declares.

use crate::fault;

/// For tests only: makes the next `count` receive calls on this thread fail
/// with `RMSG_ERR_OUT_OF_MEMORY` after `recvmsg(2)` returned, at the point
/// where the item list is allocated, so that the cleanup of received
/// descriptors on that path can be observed. `rmsg_control_parse` allocates
/// its item list at the same point and fails there too. 0 disarms it.
#[unsafe(no_mangle)]
pub extern "C" fn rmsg_testing_fail_after_syscall(count: u32) {
    fault::arm(count)
}
