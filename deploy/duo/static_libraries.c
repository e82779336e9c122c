// What the static Duo binary links instead of the host's lazy-loading forwarders
// (Sources/CLazyLibrary and the *_forwarders.c files): libmicrohttpd, jansson and
// espeak-ng are linked in statically, so they are always there, and ALSA is not
// built at all (the Duo 64M has no audio pins; speech goes out as WAV).
#include <errno.h>
#include <stddef.h>
#include <alsa/asoundlib.h>

// --- the linked libraries: never unavailable ------------------------------------

const char *babyllama_mhd_unavailable_reason(void) { return NULL; }
const char *babyllama_jansson_unavailable_reason(void) { return NULL; }

// --- ALSA: every call fails, and snd_strerror says why ----------------------------
// StorySpeech opens a device before anything else, so snd_pcm_open's -ENODEV is
// the error that reaches the user: `say` fails with one line, `run --speak`
// warns once and goes on, and the service, seeing babyllama_alsa_unavailable_reason,
// answers "speak" requests with the speech as WAV in the answer.

static const char no_alsa[] =
    "this Duo build has no ALSA playback (the Duo 64M has no audio pins); speech is written as WAV";

const char *babyllama_alsa_unavailable_reason(void) { return no_alsa; }

const char *snd_strerror(int errnum) {
    (void)errnum;
    return no_alsa;
}

int snd_lib_error_set_handler(snd_lib_error_handler_t handler) {
    (void)handler;
    return 0;
}

int snd_pcm_open(snd_pcm_t **pcm, const char *name, snd_pcm_stream_t stream, int mode) {
    (void)name; (void)stream; (void)mode;
    if (pcm != NULL) *pcm = NULL;
    return -ENODEV;
}

// No PCM can be opened, so the rest is never reached with a device; each still
// fails rather than pretending to play.
int snd_pcm_nonblock(snd_pcm_t *pcm, int nonblock) { (void)pcm; (void)nonblock; return -ENODEV; }
int snd_pcm_set_params(snd_pcm_t *pcm, snd_pcm_format_t format, snd_pcm_access_t access, unsigned int channels,
                       unsigned int rate, int soft_resample, unsigned int latency) {
    (void)pcm; (void)format; (void)access; (void)channels; (void)rate; (void)soft_resample; (void)latency;
    return -ENODEV;
}
snd_pcm_sframes_t snd_pcm_writei(snd_pcm_t *pcm, const void *buffer, snd_pcm_uframes_t size) {
    (void)pcm; (void)buffer; (void)size;
    return -ENODEV;
}
int snd_pcm_recover(snd_pcm_t *pcm, int err, int silent) { (void)pcm; (void)silent; return err; }
int snd_pcm_drain(snd_pcm_t *pcm) { (void)pcm; return -ENODEV; }
int snd_pcm_drop(snd_pcm_t *pcm) { (void)pcm; return -ENODEV; }
int snd_pcm_close(snd_pcm_t *pcm) { (void)pcm; return 0; }
