// See include/lazy_library.h. dlopen is in glibc's libc since 2.34 (Debian 12
// has 2.36) and in musl's, so no -ldl is needed.
#include "lazy_library.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void *lazy_library_open(struct lazy_library *library) {
    library->usable = 0;
    library->failure[0] = 0;
    library->handle = dlopen(library->soname, RTLD_NOW | RTLD_LOCAL);
    if (library->handle != NULL) return library->handle;
    const char *reason = dlerror();
    if (reason == NULL) reason = "unknown reason";
    // dlerror names the file it could not open: the library itself, or one it needs.
    size_t length = strlen(library->soname);
    if (strncmp(reason, library->soname, length) == 0 && reason[length] == ':'
        && strstr(reason, "No such file") != NULL) {
        snprintf(library->failure, sizeof library->failure, "%s not found: install %s",
                 library->soname, library->package);
    } else {
        snprintf(library->failure, sizeof library->failure, "cannot load %s (install %s): %s",
                 library->soname, library->package, reason);
    }
    return NULL;
}

void *lazy_library_symbol(struct lazy_library *library, const char *name) {
    if (library->handle == NULL) return NULL;
    void *address = dlsym(library->handle, name);
    if (address == NULL && library->failure[0] == 0) {
        snprintf(library->failure, sizeof library->failure, "%s has no function %s (too old? install %s)",
                 library->soname, name, library->package);
    }
    return address;
}

void lazy_library_finish(struct lazy_library *library) {
    library->usable = library->handle != NULL && library->failure[0] == 0;
    if (library->usable || !library->report_on_stderr) return;
    char line[300];
    int length = snprintf(line, sizeof line, "babyllama: %s\n", library->failure);
    if (length <= 0) return;
    size_t count = (size_t)length < sizeof line ? (size_t)length : sizeof line - 1;
    ssize_t ignored = write(2, line, count);
    (void)ignored;
}

void lazy_library_copy_failure(const struct lazy_library *library, char *buffer, size_t size) {
    if (buffer == NULL || size == 0) return;
    snprintf(buffer, size, "%s", library->failure[0] != 0 ? library->failure : "library not loaded");
}
