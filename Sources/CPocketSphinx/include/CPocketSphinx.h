// Speech recognition of spoken story requests with CMU pocketsphinx
// (0.8+5prealpha, the Debian bookworm package): one whole utterance in, the
// words of the JSGF grammar's best path out, with a confidence.
//
// This header is all Swift sees; the pocketsphinx and sphinxbase declarations
// stay in ../pocketsphinx_api.h. On the host, libpocketsphinx.so.3 and
// libsphinxbase.so.3 are not linked: ../pocketsphinx_forwarders.c and
// ../sphinxbase_forwarders.c open them at the first call (see lazy_library.h).
#ifndef CPOCKETSPHINX_H
#define CPOCKETSPHINX_H

#include <stddef.h>
#include <stdint.h>

typedef struct babyllama_listener babyllama_listener;

/// Opens a decoder: acoustic model folder, JSGF grammar file, pronunciation dictionary, and an
/// optional pocketsphinx argument file (one "-name value" per line, '#' comments) with the tuned
/// front-end/search settings. NULL on failure, with the reason in `error` (e.g.
/// "libpocketsphinx.so.3 not found: install libpocketsphinx3",
/// "grammar Config/listen/story.gram: line 7: ...", "acoustic model /x/en-us: missing mdef").
babyllama_listener *babyllama_listener_open(const char *acoustic_model, const char *grammar,
                                            const char *dictionary, const char *arguments_file,
                                            char *error, size_t error_size);

/// Decodes one whole utterance: 16 kHz mono signed 16-bit samples. Writes the hypothesis
/// (lower-case words separated by one space, "" when nothing was heard) and a confidence in
/// 0...1. Returns 0, or -1 with the reason in error.
/// One listener is used by one thread at a time (the caller serialises).
int babyllama_listener_decode(babyllama_listener *listener, const int16_t *samples, size_t count,
                              char *text, size_t text_size, double *confidence,
                              char *error, size_t error_size);

void babyllama_listener_close(babyllama_listener *listener);

/// Why listening is unavailable in this build/process (library missing), or NULL.
const char *babyllama_pocketsphinx_unavailable_reason(void);

#endif
