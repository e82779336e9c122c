// The ALSA functions StorySpeech calls (and CAlsa.h's error-handler shim),
// defined here as forwarders into libasound.so.2, which is opened at the first
// call (see lazy_library.h). Without the library every call fails with -ENOENT
// and snd_strerror tells why ("libasound.so.2 not found: install libasound2").
#include "CAlsa.h"
#include "lazy_library.h"

#include <errno.h>
#include <pthread.h>

/// Every function forwarded (the calls in Sources/StorySpeech and CAlsa.h).
#define ALSA_FUNCTIONS(X) \
    X(snd_lib_error_set_handler) \
    X(snd_strerror) \
    X(snd_pcm_open) \
    X(snd_pcm_nonblock) \
    X(snd_pcm_set_params) \
    X(snd_pcm_writei) \
    X(snd_pcm_readi) \
    X(snd_pcm_recover) \
    X(snd_pcm_drain) \
    X(snd_pcm_drop) \
    X(snd_pcm_close) \
    X(snd_card_next)

LAZY_LIBRARY_LOADER(ALSA_FUNCTIONS, "libasound.so.2", "libasound2")

const char *babyllama_alsa_unavailable_reason(void) {
    return ready() ? NULL : library.failure;
}

LAZY_FORWARDER int snd_lib_error_set_handler(snd_lib_error_handler_t handler) {
    return ready() ? real.snd_lib_error_set_handler(handler) : -ENOENT;
}

LAZY_FORWARDER const char *snd_strerror(int errnum) {
    // Every error seen without the library comes from these forwarders: explain it.
    return ready() ? real.snd_strerror(errnum) : library.failure;
}

LAZY_FORWARDER int snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode) {
    if (ready()) return real.snd_pcm_open(pcm, name, stream, mode);
    if (pcm != NULL) *pcm = NULL;
    return -ENOENT;
}

LAZY_FORWARDER int snd_pcm_nonblock(snd_pcm_t *pcm, int nonblock) {
    return ready() ? real.snd_pcm_nonblock(pcm, nonblock) : -ENOENT;
}

LAZY_FORWARDER int snd_pcm_set_params(snd_pcm_t *pcm, snd_pcm_format_t format, snd_pcm_access_t access,
                                      unsigned int channels, unsigned int rate, int soft_resample,
                                      unsigned int latency) {
    if (!ready()) return -ENOENT;
    return real.snd_pcm_set_params(pcm, format, access, channels, rate, soft_resample, latency);
}

LAZY_FORWARDER snd_pcm_sframes_t snd_pcm_writei(snd_pcm_t *pcm, const void *buffer, snd_pcm_uframes_t size) {
    return ready() ? real.snd_pcm_writei(pcm, buffer, size) : -ENOENT;
}

LAZY_FORWARDER snd_pcm_sframes_t snd_pcm_readi(snd_pcm_t *pcm, void *buffer, snd_pcm_uframes_t size) {
    return ready() ? real.snd_pcm_readi(pcm, buffer, size) : -ENOENT;
}

LAZY_FORWARDER int snd_pcm_recover(snd_pcm_t *pcm, int err, int silent) {
    return ready() ? real.snd_pcm_recover(pcm, err, silent) : err;
}

LAZY_FORWARDER int snd_pcm_drain(snd_pcm_t *pcm) {
    return ready() ? real.snd_pcm_drain(pcm) : -ENOENT;
}

LAZY_FORWARDER int snd_pcm_drop(snd_pcm_t *pcm) {
    return ready() ? real.snd_pcm_drop(pcm) : -ENOENT;
}

LAZY_FORWARDER int snd_pcm_close(snd_pcm_t *pcm) {
    return ready() ? real.snd_pcm_close(pcm) : -ENOENT;
}

LAZY_FORWARDER int snd_card_next(int *card) {
    if (ready()) return real.snd_card_next(card);
    if (card != NULL) *card = -1;
    return -ENOENT;
}
