// Everything in the shim is `static inline` in include/CShim.h; this file only
// gives SwiftPM a compilation unit for the target.
#include "CShim.h"
