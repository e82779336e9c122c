// The Duo's static binary links libmicrohttpd, jansson, espeak-ng, alsa-lib and
// pocketsphinx (with sphinxbase) in;
// linked_libraries.c answers the "is the library there?" questions the host's
// lazy-loading forwarders (Sources/CLazyLibrary) answer by dlopen. Only
// scripts/build-duo.sh links it; no host target depends on it.
#ifndef CLINKED_LIBRARIES_H
#define CLINKED_LIBRARIES_H

const char *babyllama_mhd_unavailable_reason(void);
const char *babyllama_jansson_unavailable_reason(void);
const char *babyllama_alsa_unavailable_reason(void);
const char *babyllama_pocketsphinx_unavailable_reason(void);

#endif
