// The POSIX calls Swift cannot make directly, for every target: files, memory
// maps, clocks, threads, randomness, signals, stderr and number formatting.
// Variadic or macro-only libc APIs get plain wrappers Swift can call. Everything
// is `static inline`, so the header alone is the target (the Embedded Swift build
// for the Duo compiles against it with no C object).
#ifndef CPOSIX_H
#define CPOSIX_H

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/// The calling thread's errno (a macro Swift cannot read directly).
static inline int shim_errno(void) { return errno; }

/// open(path, O_RDONLY); -1 on failure (errno set). `open` is variadic, so Swift cannot call it.
static inline int shim_open_readonly(const char *path) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer,
    // before shim_file_size could say it is not a regular file. (It changes
    // nothing for a regular file, which is only mapped.)
    return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

/// Size of an open file in bytes, or -1 if it is not a regular file or fstat fails.
static inline int64_t shim_file_size(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    if (!S_ISREG(st.st_mode)) return -1;
    return (int64_t)st.st_size;
}

static inline int shim_close(int fd) { return close(fd); }

/// Creates (or truncates) a file for writing, mode 0644; -1 on failure.
static inline int shim_create_file(const char *path) {
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/// Read-only private mapping of a whole file; NULL on failure (MAP_FAILED is a cast macro Swift cannot see).
static inline void *shim_map_file(int fd, int64_t size) {
    void *p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

static inline int shim_unmap(void *address, int64_t size) {
    return munmap(address, (size_t)size);
}

/// Drops the resident pages of a read-only file mapping (they are re-read on access),
/// e.g. once fp32 weights have been converted to another format.
static inline void shim_advise_dontneed(void *address, int64_t size) {
    (void)madvise(address, (size_t)size, MADV_DONTNEED);
}

/// Monotonic clock in nanoseconds, for timing.
static inline uint64_t shim_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/// Seconds since the epoch, as run.c's `time(NULL)` seed.
static inline int64_t shim_unix_time(void) { return (int64_t)time(NULL); }

/// Nanoseconds since the epoch (the wall clock, for timestamps in answers).
static inline int64_t shim_unix_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + (int64_t)ts.tv_nsec;
}

/// When the file at `path` was last modified, in nanoseconds since the epoch; -1 if stat fails.
static inline int64_t shim_file_modified_ns(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    return (int64_t)st.st_mtim.tv_sec * 1000000000ll + (int64_t)st.st_mtim.tv_nsec;
}

/// Peak resident set size of this process in KiB.
static inline int64_t shim_peak_rss_kib(void) {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
    return (int64_t)usage.ru_maxrss;
}

/// Current resident set size in KiB, from /proc/self/statm (Linux); -1 if unavailable.
static inline int64_t shim_current_rss_kib(void) {
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[128];
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return -1;
    buffer[n] = 0;
    const char *p = buffer;
    while (*p && *p != ' ') p++;   // skip total size
    while (*p == ' ') p++;
    int64_t pages = 0;
    while (*p >= '0' && *p <= '9') { pages = pages * 10 + (*p - '0'); p++; }
    return pages * (int64_t)(sysconf(_SC_PAGESIZE) / 1024);
}

/// The size of a memory page in bytes.
static inline int64_t shim_page_size(void) { return (int64_t)sysconf(_SC_PAGESIZE); }

/// Physical memory in bytes (0 if unknown).
static inline int64_t shim_physical_memory_bytes(void) {
    long pages = sysconf(_SC_PHYS_PAGES);
    return pages > 0 ? (int64_t)pages * (int64_t)sysconf(_SC_PAGESIZE) : 0;
}

/// Number of online CPUs.
static inline int shim_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

typedef void *(*shim_thread_body)(void *);

/// Starts a joinable thread; returns an opaque handle for `shim_thread_join`, or NULL.
/// (The handle hides pthread_t, an integer in glibc and a pointer in musl.)
static inline void *shim_thread_start(shim_thread_body body, void *context) {
    pthread_t *thread = (pthread_t *)malloc(sizeof(pthread_t));
    if (thread == NULL) return NULL;
    if (pthread_create(thread, NULL, body, context) != 0) {
        free(thread);
        return NULL;
    }
    return thread;
}

/// Waits for a thread from `shim_thread_start` and frees its handle.
static inline void shim_thread_join(void *handle) {
    pthread_t *thread = (pthread_t *)handle;
    pthread_join(*thread, NULL);
    free(thread);
}

/// A hint to the CPU that this is a spin-wait loop.
static inline void shim_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void shim_yield(void) { (void)sched_yield(); }

/// Prefetch a cache line for reading (the weights stream through once per token).
static inline void shim_prefetch(const void *address) { __builtin_prefetch(address, 0, 0); }

/// Prefetch a cache line for reading into every cache level (it will be read again soon).
static inline void shim_prefetch_keep(const void *address) { __builtin_prefetch(address, 0, 3); }

// ---- Service helpers (StoryService): randomness, timed waits, signals, stderr. ----
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>

/// Fills `buffer` with `count` bytes from the kernel's CSPRNG (getrandom, then
/// /dev/urandom); 0 on success, -1 if neither source works.
static inline int shim_random_bytes(void *buffer, size_t count) {
    unsigned char *out = (unsigned char *)buffer;
    size_t filled = 0;
    while (filled < count) {
        ssize_t n = getrandom(out + filled, count - filled, 0);
        if (n > 0) { filled += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    if (filled == count) return 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (filled < count) {
        ssize_t n = read(fd, out + filled, count - filled);
        if (n > 0) { filled += (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    close(fd);
    return filled == count ? 0 : -1;
}

/// Initializes a condition variable that times its waits on CLOCK_MONOTONIC
/// (so a wall-clock jump cannot stretch or cut a wait).
static inline int shim_cond_init_monotonic(pthread_cond_t *condition) {
    pthread_condattr_t attributes;
    if (pthread_condattr_init(&attributes) != 0) return -1;
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    int result = pthread_cond_init(condition, &attributes);
    pthread_condattr_destroy(&attributes);
    return result;
}

/// Waits on `condition` (from shim_cond_init_monotonic) for at most `milliseconds`;
/// 0 when signalled, ETIMEDOUT when the time ran out.
static inline int shim_cond_wait_ms(pthread_cond_t *condition, pthread_mutex_t *mutex, int64_t milliseconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (milliseconds < 0) milliseconds = 0;
    deadline.tv_sec += (time_t)(milliseconds / 1000);
    deadline.tv_nsec += (long)(milliseconds % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec += 1; deadline.tv_nsec -= 1000000000L; }
    return pthread_cond_timedwait(condition, mutex, &deadline);
}

/// Blocks SIGINT and SIGTERM in the calling thread (and every thread it starts
/// afterwards) so they wait for `shim_wait_termination_signal`, and ignores SIGPIPE
/// (a client that hangs up must not kill the server). Call before starting threads.
static inline int shim_block_termination_signals(void) {
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/// Waits until SIGINT or SIGTERM arrives (they must be blocked) and returns its number.
static inline int shim_wait_termination_signal(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int received = 0;
    while (sigwait(&set, &received) != 0) {}
    return received;
}

/// Writes all of `bytes` to standard error (one write for short lines, so
/// lines from different threads do not interleave).
static inline void shim_write_stderr(const void *bytes, size_t count) {
    const char *p = (const char *)bytes;
    while (count > 0) {
        ssize_t n = write(2, p, count);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        count -= (size_t)n;
    }
}

/// Formats `value` with `decimals` digits after the point ("%.*f"); returns the length.
static inline int shim_format_fixed(char *buffer, size_t size, double value, int decimals) {
    return snprintf(buffer, size, "%.*f", decimals, value);
}

/// Formats `value` as the shortest "%.*g" (15, 16 or 17 significant digits) that
/// strtod reads back as exactly `value` (17 always do); returns the length. For
/// JSON numbers: 0.1 stays "0.1" where "%.17g" writes 0.10000000000000001.
static inline int shim_format_shortest(char *buffer, size_t size, double value) {
    int length = -1;
    for (int digits = 15; digits <= 17; digits++) {
        length = snprintf(buffer, size, "%.*g", digits, value);
        if (length < 0 || (size_t)length >= size || strtod(buffer, NULL) == value) break;
    }
    return length;
}

#endif
