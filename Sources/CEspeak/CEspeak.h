// espeak-ng's C API for the StorySpeech target. Both headers are plain
// declarations (no variadic functions or cast macros are needed), so no shim
// functions live here. espeak-ng keeps global state: StorySpeech's
// EspeakRuntime is the only caller, under one process-wide lock.
#ifndef CESPEAK_H
#define CESPEAK_H

#include <espeak-ng/speak_lib.h>
#include <espeak-ng/espeak_ng.h>

#endif
