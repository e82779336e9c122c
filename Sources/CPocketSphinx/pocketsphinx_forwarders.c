// The pocketsphinx functions listener.c calls, defined here as forwarders into
// libpocketsphinx.so.3, which is opened at the first call (see lazy_library.h):
// only `listen` and the service's listening need it. The sphinxbase functions
// are in sphinxbase_forwarders.c (a second library, so a second loader).
// Without either library babyllama_listener_open fails with
// babyllama_pocketsphinx_unavailable_reason() ("libpocketsphinx.so.3 not found:
// install libpocketsphinx3"); nothing else is reached then.
#include "pocketsphinx_api.h"
#include "CPocketSphinx.h"
#include "lazy_library.h"

#include <pthread.h>

/// Every pocketsphinx function forwarded (the calls in listener.c).
#define POCKETSPHINX_FUNCTIONS(X) \
    X(ps_args) \
    X(ps_init) \
    X(ps_free) \
    X(ps_start_utt) \
    X(ps_process_raw) \
    X(ps_end_utt) \
    X(ps_get_hyp) \
    X(ps_seg_iter) \
    X(ps_seg_next) \
    X(ps_seg_word) \
    X(ps_seg_frames) \
    X(ps_seg_prob) \
    X(ps_seg_free) \
    X(ps_get_search) \
    X(ps_set_search) \
    X(ps_set_allphone_file)

LAZY_LIBRARY_LOADER(POCKETSPHINX_FUNCTIONS, "libpocketsphinx.so.3", "libpocketsphinx3")

/// In sphinxbase_forwarders.c.
const char *babyllama_sphinxbase_unavailable_reason(void);

const char *babyllama_pocketsphinx_unavailable_reason(void) {
    // sphinxbase first: libpocketsphinx.so.3 needs it, and names it when it is missing.
    const char *sphinxbase = babyllama_sphinxbase_unavailable_reason();
    if (sphinxbase != NULL) return sphinxbase;
    return ready() ? NULL : library.failure;
}

LAZY_FORWARDER arg_t const *ps_args(void) {
    return ready() ? real.ps_args() : NULL;
}

LAZY_FORWARDER ps_decoder_t *ps_init(cmd_ln_t *config) {
    return ready() ? real.ps_init(config) : NULL;
}

LAZY_FORWARDER int ps_free(ps_decoder_t *ps) {
    return ready() ? real.ps_free(ps) : 0;
}

LAZY_FORWARDER int ps_start_utt(ps_decoder_t *ps) {
    return ready() ? real.ps_start_utt(ps) : -1;
}

LAZY_FORWARDER int ps_process_raw(ps_decoder_t *ps, int16 const *data, size_t n_samples, int no_search,
                                  int full_utt) {
    return ready() ? real.ps_process_raw(ps, data, n_samples, no_search, full_utt) : -1;
}

LAZY_FORWARDER int ps_end_utt(ps_decoder_t *ps) {
    return ready() ? real.ps_end_utt(ps) : -1;
}

LAZY_FORWARDER char const *ps_get_hyp(ps_decoder_t *ps, int32 *out_best_score) {
    return ready() ? real.ps_get_hyp(ps, out_best_score) : NULL;
}

LAZY_FORWARDER ps_seg_t *ps_seg_iter(ps_decoder_t *ps) {
    return ready() ? real.ps_seg_iter(ps) : NULL;
}

LAZY_FORWARDER ps_seg_t *ps_seg_next(ps_seg_t *seg) {
    return ready() ? real.ps_seg_next(seg) : NULL;
}

LAZY_FORWARDER char const *ps_seg_word(ps_seg_t *seg) {
    return ready() ? real.ps_seg_word(seg) : NULL;
}

LAZY_FORWARDER void ps_seg_frames(ps_seg_t *seg, int *out_sf, int *out_ef) {
    if (ready()) real.ps_seg_frames(seg, out_sf, out_ef);
    else *out_sf = *out_ef = -1;
}

LAZY_FORWARDER int32 ps_seg_prob(ps_seg_t *seg, int32 *out_ascr, int32 *out_lscr, int32 *out_lback) {
    return ready() ? real.ps_seg_prob(seg, out_ascr, out_lscr, out_lback) : 0;
}

LAZY_FORWARDER void ps_seg_free(ps_seg_t *seg) {
    if (ready()) real.ps_seg_free(seg);
}

LAZY_FORWARDER const char *ps_get_search(ps_decoder_t *ps) {
    return ready() ? real.ps_get_search(ps) : NULL;
}

LAZY_FORWARDER int ps_set_search(ps_decoder_t *ps, const char *name) {
    return ready() ? real.ps_set_search(ps, name) : -1;
}

LAZY_FORWARDER int ps_set_allphone_file(ps_decoder_t *ps, const char *name, const char *path) {
    return ready() ? real.ps_set_allphone_file(ps, name, path) : -1;
}
