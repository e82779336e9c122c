// The sphinxbase functions listener.c calls, defined here as forwarders into
// libsphinxbase.so.3, which is opened at the first call (see lazy_library.h and
// pocketsphinx_forwarders.c, whose babyllama_pocketsphinx_unavailable_reason
// also reports this library's failure).
#include "pocketsphinx_api.h"
#include "lazy_library.h"

#include <pthread.h>

/// Every sphinxbase function forwarded (the calls in listener.c).
#define SPHINXBASE_FUNCTIONS(X) \
    X(cmd_ln_parse_r) \
    X(cmd_ln_free_r) \
    X(err_set_callback) \
    X(err_set_logfp)

LAZY_LIBRARY_LOADER(SPHINXBASE_FUNCTIONS, "libsphinxbase.so.3", "libsphinxbase3")

/// Why libsphinxbase.so.3 cannot be used, or NULL (for pocketsphinx_forwarders.c).
LAZY_FORWARDER const char *babyllama_sphinxbase_unavailable_reason(void) {
    return ready() ? NULL : library.failure;
}

LAZY_FORWARDER cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *inout_cmdln, arg_t const *defn, int32 argc, char *argv[],
                                        int32 strict) {
    return ready() ? real.cmd_ln_parse_r(inout_cmdln, defn, argc, argv, strict) : NULL;
}

LAZY_FORWARDER int cmd_ln_free_r(cmd_ln_t *cmdln) {
    return ready() ? real.cmd_ln_free_r(cmdln) : 0;
}

LAZY_FORWARDER void err_set_callback(err_cb_f callback, void *user_data) {
    if (ready()) real.err_set_callback(callback, user_data);
}

LAZY_FORWARDER void err_set_logfp(FILE *stream) {
    if (ready()) real.err_set_logfp(stream);
}
