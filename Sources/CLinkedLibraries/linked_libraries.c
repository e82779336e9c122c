// What the static Duo binary (scripts/build-duo.sh) links instead of the host's
// lazy-loading forwarders (Sources/CLazyLibrary and the *_forwarders.c files): libmicrohttpd, jansson,
// espeak-ng, alsa-lib and pocketsphinx (with sphinxbase) are linked in statically, so they are always there. A
// missing sound card (the Duo 64M has no audio pins) shows when a device is
// opened, as on any Linux host without one.
#include <stddef.h>
#include "CLinkedLibraries.h"

// --- the linked libraries: never unavailable ------------------------------------

const char *babyllama_mhd_unavailable_reason(void) { return NULL; }
const char *babyllama_jansson_unavailable_reason(void) { return NULL; }
const char *babyllama_alsa_unavailable_reason(void) { return NULL; }
const char *babyllama_pocketsphinx_unavailable_reason(void) { return NULL; }
