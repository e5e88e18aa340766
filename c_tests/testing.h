/*
 * The test hook of debug builds of librmsg. It is not part of the API and
 * not in rmsg.h: release builds do not export it. Declared weak, so that a
 * test linked against a release library sees NULL and can say it skips.
 */
#ifndef RMSG_TEST_TESTING_H
#define RMSG_TEST_TESTING_H

#include <stdint.h>

/* Makes the next `count` receive calls on this thread fail with
 * RMSG_ERR_OUT_OF_MEMORY after recvmsg(2) returned (0 disarms it);
 * rmsg_control_parse fails at the same point (its item list). */
extern void rmsg_testing_fail_after_syscall(uint32_t count) __attribute__((weak));

/* True when the library under test has the hook. */
static inline int have_testing_hook(void) { return rmsg_testing_fail_after_syscall != NULL; }

#endif
