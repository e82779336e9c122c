// espeak-ng's C API for the StorySpeech target. Both headers are plain
// declarations (no variadic functions or cast macros are needed), so no shim
// functions live here. espeak-ng keeps global state: StorySpeech's
// EspeakRuntime is the only caller, under one process-wide lock.
// libespeak-ng is not linked: ../espeak_forwarders.c defines the functions
// StorySpeech calls and opens libespeak-ng.so.1 at the first call.
#ifndef CESPEAK_H
#define CESPEAK_H

#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>

#endif
