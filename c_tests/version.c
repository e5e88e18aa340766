/*
 * The version macros of the header (build.rs writes them from Cargo.toml)
 * and the version the library reports at run time agree: as text, as one
 * number, and part by part.
 */
#include "helpers.h"

/* The header's own macros are consistent with each other. */
static void test_macros_agree(void) {
    char text[32];
    snprintf(text, sizeof text, "%d.%d.%d", RMSG_VERSION_MAJOR, RMSG_VERSION_MINOR,
             RMSG_VERSION_PATCH);
    CHECK(strcmp(text, RMSG_VERSION_STRING) == 0);
    CHECK(RMSG_VERSION_NUMBER == ((RMSG_VERSION_MAJOR << 16) | (RMSG_VERSION_MINOR << 8) |
                                  RMSG_VERSION_PATCH));
#if RMSG_VERSION_NUMBER < 0x000100
#error "RMSG_VERSION_NUMBER must be usable in #if, and this header is at least 0.1.0"
#endif
}

/* The library this test was linked with is the one the header came from. */
static void test_runtime_matches_header(void) {
    const char *v = rmsg_version();
    uint32_t n = rmsg_version_number();
    CHECK(v != NULL);
    if (strcmp(v, RMSG_VERSION_STRING) != 0) {
        fprintf(stderr, "rmsg_version() is \"%s\", the header says \"%s\"\n", v,
                RMSG_VERSION_STRING);
        exit(1);
    }
    CHECK(n == (uint32_t)RMSG_VERSION_NUMBER);
    CHECK((n >> 16) == RMSG_VERSION_MAJOR);
    CHECK(((n >> 8) & 0xff) == RMSG_VERSION_MINOR);
    CHECK((n & 0xff) == RMSG_VERSION_PATCH);
    /* Static: the same pointer every time. */
    CHECK(rmsg_version() == v);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_macros_agree);
    RUN(test_runtime_matches_header);
    TEST_END();
}
