// The header must compile as C++11 with -Wall -Wextra -Wpedantic -Werror and
// link against the cdylib.
#include "rmsg.h"

#include <cstdio>
#include <cstring>

int main() {
    size_t space = 0;
    rmsg_status s = rmsg_cmsg_space(sizeof(int), &space);
    if (s != RMSG_OK || space == 0) return 1;
    if (std::strcmp(rmsg_status_name(RMSG_OK), "RMSG_OK") != 0) return 1;
    rmsg_message_free(nullptr);
    std::printf("ok header_cxx\n");
    return 0;
}
