// The connection guard (see CMicroHTTPD.h): libmicrohttpd's timeout is an idle
// timeout that every byte resets, so a client that drips a header line now and
// then holds its connection (and its thread) forever. The guard gives each
// request a deadline for its whole head and body, and keeps a few connections
// beyond the served limit for health checks and metrics.
//
// Every open connection has an entry (made and freed by MHD's connection
// notifications, on MHD's threads). A watchdog thread wakes every 100 ms and
// shuts down the socket of any connection whose request has not fully arrived
// by its deadline; the connection's own thread then sees the socket end and MHD
// closes it. Entries are freed under the same lock the watchdog holds while it
// shuts a socket down, and MHD closes a socket only after its CLOSED
// notification, so the watchdog never touches a socket number that has been
// reused.
#include "CMicroHTTPD.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct babyllama_guard_entry {
    struct babyllama_guard_entry *next;
    struct babyllama_guard_entry *previous;
    int socket;
    /// Monotonic deadline for the request being read; 0 while one is being answered.
    uint64_t deadline_ns;
    /// A connection beyond the served limit: it may ask only for health or metrics.
    int probe_only;
};

struct babyllama_guard {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t watchdog;
    int watchdog_started;
    int stopping;
    struct babyllama_guard_entry *entries;
    unsigned int open_connections;
    unsigned int served_limit;
    uint64_t request_deadline_ns;
    uint64_t probe_deadline_ns;
    unsigned long deadline_closes;
};

static uint64_t guard_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static uint64_t guard_deadline(const struct babyllama_guard *guard, const struct babyllama_guard_entry *entry) {
    return guard_now_ns() + (entry->probe_only ? guard->probe_deadline_ns : guard->request_deadline_ns);
}

static void *guard_watchdog(void *argument) {
    struct babyllama_guard *guard = argument;
    pthread_mutex_lock(&guard->lock);
    while (!guard->stopping) {
        uint64_t now = guard_now_ns();
        for (struct babyllama_guard_entry *entry = guard->entries; entry != NULL; entry = entry->next) {
            if (entry->deadline_ns != 0 && now >= entry->deadline_ns) {
                entry->deadline_ns = 0;
                guard->deadline_closes++;
                shutdown(entry->socket, SHUT_RDWR);
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec += 1;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&guard->wake, &guard->lock, &until);
    }
    pthread_mutex_unlock(&guard->lock);
    return NULL;
}

struct babyllama_guard *babyllama_guard_create(unsigned int served_limit, unsigned int request_deadline_ms,
                                               unsigned int probe_deadline_ms) {
    struct babyllama_guard *guard = calloc(1, sizeof *guard);
    if (guard == NULL) return NULL;
    pthread_mutex_init(&guard->lock, NULL);
    pthread_cond_init(&guard->wake, NULL);
    guard->served_limit = served_limit;
    guard->request_deadline_ns = (uint64_t)request_deadline_ms * 1000000u;
    guard->probe_deadline_ns = (uint64_t)probe_deadline_ms * 1000000u;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    guard->watchdog_started = pthread_create(&guard->watchdog, &attributes, guard_watchdog, guard) == 0;
    pthread_attr_destroy(&attributes);
    if (!guard->watchdog_started) {
        babyllama_guard_destroy(guard);
        return NULL;
    }
    return guard;
}

void babyllama_guard_destroy(struct babyllama_guard *guard) {
    if (guard == NULL) return;
    pthread_mutex_lock(&guard->lock);
    guard->stopping = 1;
    pthread_cond_signal(&guard->wake);
    pthread_mutex_unlock(&guard->lock);
    if (guard->watchdog_started) pthread_join(guard->watchdog, NULL);
    // MHD_stop_daemon has closed every connection (and freed every entry) before this.
    struct babyllama_guard_entry *entry = guard->entries;
    while (entry != NULL) {
        struct babyllama_guard_entry *next = entry->next;
        free(entry);
        entry = next;
    }
    pthread_cond_destroy(&guard->wake);
    pthread_mutex_destroy(&guard->lock);
    free(guard);
}

void babyllama_guard_notify(void *context, struct MHD_Connection *connection, void **socket_context,
                            enum MHD_ConnectionNotificationCode code) {
    struct babyllama_guard *guard = context;
    if (guard == NULL || socket_context == NULL) return;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        struct babyllama_guard_entry *entry = calloc(1, sizeof *entry);
        *socket_context = entry;
        if (entry == NULL) return;   // no deadline for this one; nothing else depends on it
        entry->socket = babyllama_mhd_connection_socket(connection);
        pthread_mutex_lock(&guard->lock);
        guard->open_connections++;
        entry->probe_only = guard->open_connections > guard->served_limit;
        entry->deadline_ns = entry->socket >= 0 ? guard_deadline(guard, entry) : 0;
        entry->next = guard->entries;
        if (guard->entries != NULL) guard->entries->previous = entry;
        guard->entries = entry;
        pthread_mutex_unlock(&guard->lock);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct babyllama_guard_entry *entry = *socket_context;
        *socket_context = NULL;
        if (entry == NULL) return;
        pthread_mutex_lock(&guard->lock);
        guard->open_connections--;
        if (entry->previous != NULL) entry->previous->next = entry->next; else guard->entries = entry->next;
        if (entry->next != NULL) entry->next->previous = entry->previous;
        pthread_mutex_unlock(&guard->lock);
        free(entry);
    }
}

static struct babyllama_guard_entry *guard_entry(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

int babyllama_guard_request_arrived(struct babyllama_guard *guard, struct MHD_Connection *connection) {
    struct babyllama_guard_entry *entry = guard == NULL ? NULL : guard_entry(connection);
    if (entry == NULL) return 1;
    pthread_mutex_lock(&guard->lock);
    // The socket may already be shut (the deadline passed as the last byte came): the answer is then lost anyway.
    int in_time = entry->deadline_ns != 0;
    entry->deadline_ns = 0;
    pthread_mutex_unlock(&guard->lock);
    return in_time;
}

void babyllama_guard_request_done(struct babyllama_guard *guard, struct MHD_Connection *connection) {
    struct babyllama_guard_entry *entry = guard == NULL ? NULL : guard_entry(connection);
    if (entry == NULL) return;
    pthread_mutex_lock(&guard->lock);
    if (entry->socket >= 0) entry->deadline_ns = guard_deadline(guard, entry);
    pthread_mutex_unlock(&guard->lock);
}

int babyllama_guard_is_probe_only(struct babyllama_guard *guard, struct MHD_Connection *connection) {
    struct babyllama_guard_entry *entry = guard == NULL ? NULL : guard_entry(connection);
    if (entry == NULL) return 0;
    pthread_mutex_lock(&guard->lock);
    int probe_only = entry->probe_only;
    pthread_mutex_unlock(&guard->lock);
    return probe_only;
}

unsigned long babyllama_guard_deadline_closes(struct babyllama_guard *guard) {
    if (guard == NULL) return 0;
    pthread_mutex_lock(&guard->lock);
    unsigned long closes = guard->deadline_closes;
    pthread_mutex_unlock(&guard->lock);
    return closes;
}

static char nul_in_path;

void *babyllama_mhd_nul_path_marker(void) { return &nul_in_path; }

void *babyllama_mhd_uri_seen(void *context, const char *uri, struct MHD_Connection *connection) {
    (void)context;
    (void)connection;
    for (const char *p = uri; p != NULL && *p != 0 && *p != '?'; p++) {
        if (p[0] == '%' && p[1] == '0' && p[2] == '0') return &nul_in_path;
    }
    return NULL;
}
