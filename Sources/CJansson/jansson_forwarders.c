// The jansson functions StoryService calls to parse request bodies and
// configuration files (directly, or through jansson.h's inline json_decref →
// json_delete), defined here as forwarders into libjansson.so.4, which is opened
// at the first call (see lazy_library.h). The service writes its JSON itself
// (Support's JSONValue). It asks babyllama_jansson_unavailable_reason() before it
// parses anything; should a call come anyway, it fails as jansson does on bad
// input: json_loadb returns NULL with the reason in its error, getters NULL or 0.
#include "CJansson.h"
#include "lazy_library.h"

#include <pthread.h>
#include <stdio.h>

/// Every function forwarded.
#define JANSSON_FUNCTIONS(X) \
    X(json_delete) \
    X(json_object_get) \
    X(json_object_iter) \
    X(json_object_iter_next) \
    X(json_object_iter_key) \
    X(json_array_size) \
    X(json_array_get) \
    X(json_string_value) \
    X(json_string_length) \
    X(json_integer_value) \
    X(json_real_value) \
    X(json_loadb)

LAZY_LIBRARY_LOADER(JANSSON_FUNCTIONS, "libjansson.so.4", "libjansson4")

const char *babyllama_jansson_unavailable_reason(void) {
    return ready() ? NULL : library.failure;
}

LAZY_FORWARDER void json_delete(json_t *json) {
    if (ready()) real.json_delete(json);
}

LAZY_FORWARDER json_t *json_object_get(const json_t *object, const char *key) {
    return ready() ? real.json_object_get(object, key) : NULL;
}

LAZY_FORWARDER void *json_object_iter(json_t *object) { return ready() ? real.json_object_iter(object) : NULL; }

LAZY_FORWARDER void *json_object_iter_next(json_t *object, void *iter) {
    return ready() ? real.json_object_iter_next(object, iter) : NULL;
}

LAZY_FORWARDER const char *json_object_iter_key(void *iter) {
    return ready() ? real.json_object_iter_key(iter) : NULL;
}

LAZY_FORWARDER size_t json_array_size(const json_t *array) { return ready() ? real.json_array_size(array) : 0; }

LAZY_FORWARDER json_t *json_array_get(const json_t *array, size_t index) {
    return ready() ? real.json_array_get(array, index) : NULL;
}

LAZY_FORWARDER const char *json_string_value(const json_t *string) {
    return ready() ? real.json_string_value(string) : NULL;
}

LAZY_FORWARDER size_t json_string_length(const json_t *string) {
    return ready() ? real.json_string_length(string) : 0;
}

LAZY_FORWARDER json_int_t json_integer_value(const json_t *integer) {
    return ready() ? real.json_integer_value(integer) : 0;
}

LAZY_FORWARDER double json_real_value(const json_t *real_value) {
    return ready() ? real.json_real_value(real_value) : 0.0;
}

LAZY_FORWARDER json_t *json_loadb(const char *buffer, size_t buflen, size_t flags, json_error_t *error) {
    if (ready()) return real.json_loadb(buffer, buflen, flags, error);
    if (error != NULL) {
        // As jansson fills it: position unknown, the message in `text`, the code in text's last byte.
        error->line = -1;
        error->column = -1;
        error->position = 0;
        snprintf(error->source, sizeof error->source, "<buffer>");
        lazy_library_copy_failure(&library, error->text, sizeof error->text - 1);
        error->text[sizeof error->text - 1] = (char)json_error_unknown;
    }
    return NULL;
}
