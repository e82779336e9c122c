// Everything in CPosix is `static inline` in include/CPosix.h; this file only
// gives SwiftPM a compilation unit for the target.
#include "CPosix.h"
