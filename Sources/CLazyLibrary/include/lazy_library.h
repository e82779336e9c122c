// A shared library opened at its first use (dlopen) instead of at program start.
//
// babyllama's C libraries for speech and the HTTP service (espeak-ng, ALSA,
// libmicrohttpd, jansson) pull in some 45 more shared objects (PulseAudio, X11,
// gnutls, ...) that cost ~6 MB of resident memory in every process, even in
// `run` and `bench`, which never use them. So CEspeak, CAlsa, CMicroHTTPD and
// CJansson each *define* the library functions the project calls as small
// forwarders that open the library on the first call (once per process, under
// pthread_once) and go through pointers from dlsym. When the library cannot be
// loaded the forwarders fail the way the library itself reports errors.
#ifndef LAZY_LIBRARY_H
#define LAZY_LIBRARY_H

#include <stddef.h>

/// Marks a forwarder: hidden, so the executable does not export it (SwiftPM
/// links with --export-dynamic) and the opened library's calls to its own
/// functions are not bound to the forwarders.
#define LAZY_FORWARDER __attribute__((visibility("hidden")))

/// One library, opened at most once. Fill in `soname` and `package`; the rest is
/// written by the `lazy_library_*` functions, from the loader that
/// pthread_once runs, and only read once pthread_once has returned.
struct lazy_library {
    /// The runtime name, with its major version: "libespeak-ng.so.1".
    const char *soname;
    /// What to install when it is missing (named in the failure message).
    const char *package;
    /// Also print the failure once on stderr: for APIs with no way to report it.
    int report_on_stderr;
    /// The dlopen handle, or NULL.
    void *handle;
    /// 1 once the library is open and every symbol was found.
    int usable;
    /// Why the library cannot be used, one line ("" while usable).
    char failure[256];
};

/// Opens `library->soname` (RTLD_NOW | RTLD_LOCAL). On failure records the
/// reason ("libespeak-ng.so.1 not found: install espeak-ng") and returns NULL.
void *lazy_library_open(struct lazy_library *library);

/// The address of `name` in the opened library; a missing symbol is recorded as
/// the failure (the library is then unusable as a whole) and NULL is returned.
void *lazy_library_symbol(struct lazy_library *library, const char *name);

/// Ends loading: the library is usable when it opened and had every symbol.
/// Prints the failure on stderr if `report_on_stderr` is set.
void lazy_library_finish(struct lazy_library *library);

/// Copies the failure into `buffer` (NUL-terminated, cut to `size`).
void lazy_library_copy_failure(const struct lazy_library *library, char *buffer, size_t size);

/// The loader of one forwarders file, from its X-macro list of forwarded functions
/// (`#define FUNCTIONS(X) X(name) X(name) ...`): a `library` for `soname`, the
/// pointers `real.name` typed from the library's own header, and `ready()`, which
/// opens the library and resolves every pointer on the first call (once, under
/// pthread_once) and tells whether it is usable. Include <pthread.h> first.
#define LAZY_LIBRARY_LOADER(FUNCTIONS, soname_, package_)                                      \
    static struct lazy_library library = { .soname = soname_, .package = package_ };           \
    static struct { FUNCTIONS(LAZY_LIBRARY_DECLARE_POINTER) } real;                          \
    static pthread_once_t library_once = PTHREAD_ONCE_INIT;                                  \
    static void library_load(void) {                                                         \
        if (lazy_library_open(&library) != NULL) { FUNCTIONS(LAZY_LIBRARY_RESOLVE) }         \
        lazy_library_finish(&library);                                                       \
    }                                                                                        \
    static int ready(void) {                                                                 \
        pthread_once(&library_once, library_load);                                           \
        return library.usable;                                                               \
    }

#define LAZY_LIBRARY_DECLARE_POINTER(name) __typeof__(name) *name;
#define LAZY_LIBRARY_RESOLVE(name) real.name = (__typeof__(name) *)lazy_library_symbol(&library, #name);

#endif
