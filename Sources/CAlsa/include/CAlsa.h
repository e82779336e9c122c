// ALSA (libasound) playback for the StorySpeech target: the one audio API both
// Debian and the Duo's Buildroot image have. Everything Swift cannot call
// directly (the variadic error handler) gets a small wrapper here.
// libasound is not linked: ../alsa_forwarders.c defines the functions used
// here and in StorySpeech and opens libasound.so.2 at the first call.
#ifndef CALSA_H
#define CALSA_H

#include <alsa/asoundlib.h>

/// Why this process can play no audio at all (libasound cannot be loaded), or
/// NULL when ALSA is there (always, in the Duo's static build). A
/// missing or busy device shows only when it is opened.
const char *babyllama_alsa_unavailable_reason(void);

/// Swallows alsa-lib's own diagnostics ("ALSA lib confmisc.c:... cannot find
/// card '0'"): StorySpeech reports a failed device as one warning of its own.
__attribute__((unused))
static void calsa_discard_library_error(const char *file, int line, const char *function,
                                        int error, const char *format, ...) {
    (void)file; (void)line; (void)function; (void)error; (void)format;
}

/// Installs `calsa_discard_library_error` as alsa-lib's (process-wide) error handler.
static inline void calsa_silence_library_errors(void) {
    snd_lib_error_set_handler(calsa_discard_library_error);
}

#endif
