// libmicrohttpd (Debian: libmicrohttpd-dev) for Swift. MHD_start_daemon and
// MHD_get_*_info are variadic and several constants are cast macros, so this
// header wraps them in plain `static inline` functions Swift can call. The
// library is not linked: ../microhttpd_forwarders.c defines the MHD_* functions
// used here and in StoryService, and opens libmicrohttpd.so.12 at the first call.
#ifndef CMICROHTTPD_H
#define CMICROHTTPD_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <poll.h>
#include <netdb.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/// Why libmicrohttpd cannot be used ("libmicrohttpd.so.12 not found: install
/// libmicrohttpd12"), or NULL when it is loaded (microhttpd_forwarders.c).
const char *babyllama_mhd_unavailable_reason(void);

/// MHD_SIZE_UNKNOWN (a cast macro): the length of a streamed response.
static inline uint64_t babyllama_mhd_size_unknown(void) { return MHD_SIZE_UNKNOWN; }
/// MHD_CONTENT_READER_END_OF_STREAM: a streamed response ends normally.
static inline ssize_t babyllama_mhd_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
/// MHD_CONTENT_READER_END_WITH_ERROR: a streamed response is cut off (the connection closes).
static inline ssize_t babyllama_mhd_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }

/// MHD's error log goes to stderr as one prefixed line per message.
static inline void babyllama_mhd_log(void *context, const char *format, va_list arguments) {
    (void)context;
    char line[512];
    int n = vsnprintf(line, sizeof line, format, arguments);
    if (n < 0) return;
    size_t length = strnlen(line, sizeof line);
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) length--;
    char out[560];
    int total = snprintf(out, sizeof out, "babyllama: microhttpd: %.*s\n", (int)length, line);
    if (total > 0) {
        size_t count = (size_t)total < sizeof out ? (size_t)total : sizeof out - 1;
        ssize_t ignored = write(2, out, count);
        (void)ignored;
    }
}

/// The connection guard (connection_guard.c): a deadline for each request's head
/// and body (libmicrohttpd's own timeout is reset by every byte), and connections
/// beyond `served_limit` kept for health checks (`babyllama_guard_is_probe_only`,
/// with the shorter `probe_deadline_ms`). NULL if it cannot start its thread.
struct babyllama_guard;
struct babyllama_guard *babyllama_guard_create(unsigned int served_limit, unsigned int request_deadline_ms,
                                               unsigned int probe_deadline_ms);
/// Stops the watchdog and frees the guard (after MHD_stop_daemon).
void babyllama_guard_destroy(struct babyllama_guard *guard);
/// MHD_OPTION_NOTIFY_CONNECTION's callback (the guard is its context).
void babyllama_guard_notify(void *context, struct MHD_Connection *connection, void **socket_context,
                            enum MHD_ConnectionNotificationCode code);
/// The request's head and body have all arrived: its clock stops. 0 if its deadline had already passed.
int babyllama_guard_request_arrived(struct babyllama_guard *guard, struct MHD_Connection *connection);
/// The request was answered: the clock starts for the connection's next request.
void babyllama_guard_request_done(struct babyllama_guard *guard, struct MHD_Connection *connection);
/// 1 when the connection is one of those kept for health checks and metrics.
int babyllama_guard_is_probe_only(struct babyllama_guard *guard, struct MHD_Connection *connection);
/// Connections closed because a request missed its deadline.
unsigned long babyllama_guard_deadline_closes(struct babyllama_guard *guard);

/// What MHD_OPTION_URI_LOG_CALLBACK hands the access handler as the request's
/// first `*req_cls`: the raw path held an encoded NUL (`%00`), which libmicrohttpd
/// decodes and so cuts the path short (`/healthz%00.txt` would read as `/healthz`).
void *babyllama_mhd_nul_path_marker(void);
/// MHD_OPTION_URI_LOG_CALLBACK: sees the request line's URI before it is decoded.
void *babyllama_mhd_uri_seen(void *context, const char *uri, struct MHD_Connection *connection);

/// How many times the request carries header `name` (compared without case).
static inline unsigned int babyllama_mhd_header_count(struct MHD_Connection *connection, const char *name);

/// Settings for `babyllama_mhd_start`.
struct babyllama_mhd_settings {
    const char *host;              ///< numeric address or host name to bind
    uint16_t port;                 ///< 0 picks a free port (see babyllama_mhd_bound_port)
    unsigned int connection_limit; ///< connections served at once (each has a thread)
    unsigned int timeout_seconds;  ///< an idle connection is closed after this long (0: never)
    size_t thread_stack_bytes;     ///< stack of each connection thread (0: the system default)
    size_t connection_memory_bytes;///< per-connection buffer for headers and I/O (0: MHD's default)
    unsigned int listen_backlog;   ///< pending connections the kernel keeps (0: MHD's default)
    unsigned int per_ip_limit;     ///< connections one client address may hold (0: no limit)
    struct babyllama_guard *guard; ///< request deadlines and probe slots (NULL: none)
};

/// Starts a daemon with one thread per connection and an internal poll() thread
/// for accepting (never epoll: the Duo's kernel has none), bound to `settings.host`.
/// MHD_start_daemon is variadic, so the options go through MHD_OPTION_ARRAY.
/// On failure returns NULL and writes a one-line reason into `error`.
static inline struct MHD_Daemon *babyllama_mhd_start(const struct babyllama_mhd_settings *settings,
                                                     MHD_AccessHandlerCallback handler, void *handler_context,
                                                     MHD_RequestCompletedCallback completed, void *completed_context,
                                                     char *error, size_t error_size) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    struct addrinfo *found = NULL;
    int status = getaddrinfo(settings->host, NULL, &hints, &found);
    if (status != 0 || found == NULL) {
        snprintf(error, error_size, "cannot resolve host '%s': %s", settings->host, gai_strerror(status));
        return NULL;
    }
    struct sockaddr_storage address;
    memset(&address, 0, sizeof address);
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                       | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (found->ai_family == AF_INET6) {
        memcpy(&address, found->ai_addr, found->ai_addrlen < sizeof address ? found->ai_addrlen : sizeof address);
        ((struct sockaddr_in6 *)&address)->sin6_port = htons(settings->port);
        flags |= MHD_USE_IPv6;
    } else {
        memcpy(&address, found->ai_addr, found->ai_addrlen < sizeof address ? found->ai_addrlen : sizeof address);
        ((struct sockaddr_in *)&address)->sin_port = htons(settings->port);
    }
    freeaddrinfo(found);

    struct MHD_OptionItem options[16];
    int count = 0;
    // The logger must come first, or messages about the options themselves go to MHD's own logger.
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)babyllama_mhd_log, NULL };
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &address };
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)settings->connection_limit, NULL };
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)settings->timeout_seconds, NULL };
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_context };
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)babyllama_mhd_uri_seen, NULL };
    if (settings->per_ip_limit > 0)
        options[count++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)settings->per_ip_limit, NULL };
    if (settings->guard != NULL)
        options[count++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)babyllama_guard_notify, settings->guard };
    if (settings->thread_stack_bytes > 0)
        options[count++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_STACK_SIZE, (intptr_t)settings->thread_stack_bytes, NULL };
    if (settings->connection_memory_bytes > 0)
        options[count++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)settings->connection_memory_bytes, NULL };
    if (settings->listen_backlog > 0)
        options[count++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_BACKLOG_SIZE, (intptr_t)settings->listen_backlog, NULL };
    options[count++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

    errno = 0;
    struct MHD_Daemon *daemon = MHD_start_daemon(flags, settings->port, NULL, NULL, handler, handler_context,
                                                 MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    int start_error = errno;
    if (daemon == NULL) {
        const char *unavailable = babyllama_mhd_unavailable_reason();
        if (unavailable != NULL) {
            snprintf(error, error_size, "%s", unavailable);
        } else {
            snprintf(error, error_size, "cannot listen on %s port %u: %s", settings->host, (unsigned)settings->port,
                     start_error != 0 ? strerror(start_error) : "microhttpd refused to start");
        }
    }
    return daemon;
}

/// The port the daemon listens on (useful after asking for port 0); 0 if unknown.
static inline uint16_t babyllama_mhd_bound_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info == NULL ? 0 : info->port;
}

/// Stops accepting new connections (the listening socket is closed); connections
/// already open are served until MHD_stop_daemon.
static inline void babyllama_mhd_stop_listening(struct MHD_Daemon *daemon) {
    MHD_socket listener = MHD_quiesce_daemon(daemon);
    if (listener != MHD_INVALID_SOCKET) close(listener);
}

/// The connection's socket, or -1.
static inline int babyllama_mhd_connection_socket(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : (int)info->connect_fd;
}

/// True when the peer of `socket` has closed or reset the connection. Only
/// meaningful while the connection's own thread is in a handler (nobody else
/// reads the socket then): pending request bytes (pipelining) count as alive.
static inline int babyllama_socket_peer_gone(int socket) {
    if (socket < 0) return 0;
    struct pollfd watch = { socket, POLLIN, 0 };
    int ready = poll(&watch, 1, 0);
    if (ready <= 0) return 0;
    if (watch.revents & (POLLERR | POLLHUP | POLLNVAL)) return 1;
    if (watch.revents & POLLIN) {
        char byte;
        ssize_t n = recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0) return 1;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return 1;
    }
    return 0;
}

struct babyllama_header_count { const char *name; unsigned int count; };

static inline enum MHD_Result babyllama_mhd_count_header(void *context, enum MHD_ValueKind kind,
                                                         const char *key, const char *value) {
    (void)kind;
    (void)value;
    struct babyllama_header_count *counting = context;
    if (key != NULL && strcasecmp(key, counting->name) == 0) counting->count++;
    return MHD_YES;
}

static inline unsigned int babyllama_mhd_header_count(struct MHD_Connection *connection, const char *name) {
    struct babyllama_header_count counting = { name, 0 };
    MHD_get_connection_values(connection, MHD_HEADER_KIND, babyllama_mhd_count_header, &counting);
    return counting.count;
}

#endif
