// jansson (Debian: libjansson-dev) for Swift, to parse: json_loadb and the plain
// getters are callable as they are; json_typeof and the error codes are macros or
// enums, so they get `static inline` stand-ins here. libjansson is not linked:
// ../jansson_forwarders.c defines the functions StoryService calls and opens
// libjansson.so.4 at the first call.
#ifndef CJANSSON_H
#define CJANSSON_H

#include <jansson.h>

/// NULL once libjansson is loaded (loading it if need be), else why it cannot be
/// ("libjansson.so.4 not found: install libjansson4").
const char *babyllama_jansson_unavailable_reason(void);

/// The value's type (json_typeof is a macro): a json_type, or -1 for NULL.
static inline int babyllama_json_type(const json_t *value) {
    return value == NULL ? -1 : (int)value->type;
}

/// The machine-readable reason a load failed (json_error_code, as an int).
static inline int babyllama_json_error_code(const json_error_t *error) {
    return (int)json_error_code(error);
}

/// The json_error_code values Swift needs by name.
static inline int babyllama_json_error_invalid_utf8(void) { return (int)json_error_invalid_utf8; }
static inline int babyllama_json_error_numeric_overflow(void) { return (int)json_error_numeric_overflow; }

/// Decoding flags: any JSON text (a bare number is JSON, just not a request: 422, not 400), and
/// "\u0000" inside strings (the request validator rejects it with a clear message).
static inline size_t babyllama_json_decode_flags(void) { return JSON_ALLOW_NUL | JSON_DECODE_ANY; }

#endif
