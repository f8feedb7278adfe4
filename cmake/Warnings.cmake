# One interface target carries the warning flags; every project target links it.
add_library(vigil_warnings INTERFACE)
target_compile_options(vigil_warnings INTERFACE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                                -Wimplicit-fallthrough)
