// librdkafka's C API. The headers are Debian's (2.0); the 2.0 C API is stable and the binaries link
// against librdkafka 2.16 from .deps/lib (see Package.swift and scripts/setup.sh).
#include <librdkafka/rdkafka.h>
