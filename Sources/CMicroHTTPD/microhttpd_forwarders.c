// The libmicrohttpd functions StoryService and CMicroHTTPD.h call, defined here
// as forwarders into libmicrohttpd.so.12, which is opened at the first call (see
// lazy_library.h): it pulls in gnutls, p11-kit, gmp... that `run` and `bench`
// must not pay for. Without the library MHD_start_daemon returns NULL (and
// babyllama_mhd_unavailable_reason says why); nothing else is reached then.
#include "CMicroHTTPD.h"
#include "lazy_library.h"

#include <pthread.h>

/// Every function forwarded (the calls in Sources/StoryService and CMicroHTTPD.h).
/// MHD_start_daemon is variadic: it goes to MHD_start_daemon_va.
#define MICROHTTPD_FUNCTIONS(X) \
    X(MHD_start_daemon_va) \
    X(MHD_quiesce_daemon) \
    X(MHD_stop_daemon) \
    X(MHD_get_daemon_info) \
    X(MHD_get_connection_info) \
    X(MHD_lookup_connection_value) \
    X(MHD_lookup_connection_value_n) \
    X(MHD_get_connection_values) \
    X(MHD_create_response_from_buffer) \
    X(MHD_create_response_from_callback) \
    X(MHD_add_response_header) \
    X(MHD_queue_response) \
    X(MHD_destroy_response)

LAZY_LIBRARY_LOADER(MICROHTTPD_FUNCTIONS, "libmicrohttpd.so.12", "libmicrohttpd12")

const char *babyllama_mhd_unavailable_reason(void) {
    return ready() ? NULL : library.failure;
}

LAZY_FORWARDER struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                                   MHD_AcceptPolicyCallback apc, void *apc_cls,
                                                   MHD_AccessHandlerCallback dh, void *dh_cls, ...) {
    if (!ready()) return NULL;
    va_list options;
    va_start(options, dh_cls);
    struct MHD_Daemon *daemon = real.MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, options);
    va_end(options);
    return daemon;
}

LAZY_FORWARDER MHD_socket MHD_quiesce_daemon(struct MHD_Daemon *daemon) {
    return ready() ? real.MHD_quiesce_daemon(daemon) : MHD_INVALID_SOCKET;
}

LAZY_FORWARDER void MHD_stop_daemon(struct MHD_Daemon *daemon) {
    if (ready()) real.MHD_stop_daemon(daemon);
}

// The two info getters are variadic, but libmicrohttpd reads no variadic
// argument for any info type (the "..." is reserved), and CMicroHTTPD.h passes
// none: the fixed arguments are all there is to forward.

LAZY_FORWARDER const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                               enum MHD_DaemonInfoType info_type, ...) {
    return ready() ? real.MHD_get_daemon_info(daemon, info_type) : NULL;
}

LAZY_FORWARDER const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *connection,
                                                                       enum MHD_ConnectionInfoType info_type, ...) {
    return ready() ? real.MHD_get_connection_info(connection, info_type) : NULL;
}

LAZY_FORWARDER const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                                       const char *key) {
    return ready() ? real.MHD_lookup_connection_value(connection, kind, key) : NULL;
}

LAZY_FORWARDER enum MHD_Result MHD_lookup_connection_value_n(struct MHD_Connection *connection,
                                                            enum MHD_ValueKind kind, const char *key,
                                                            size_t key_size, const char **value_ptr,
                                                            size_t *value_size_ptr) {
    return ready() ? real.MHD_lookup_connection_value_n(connection, kind, key, key_size, value_ptr, value_size_ptr)
                   : MHD_NO;
}

LAZY_FORWARDER int MHD_get_connection_values(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                             MHD_KeyValueIterator iterator, void *iterator_cls) {
    return ready() ? real.MHD_get_connection_values(connection, kind, iterator, iterator_cls) : -1;
}

LAZY_FORWARDER struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                                    enum MHD_ResponseMemoryMode mode) {
    return ready() ? real.MHD_create_response_from_buffer(size, buffer, mode) : NULL;
}

LAZY_FORWARDER struct MHD_Response *MHD_create_response_from_callback(uint64_t size, size_t block_size,
                                                                      MHD_ContentReaderCallback crc, void *crc_cls,
                                                                      MHD_ContentReaderFreeCallback crfc) {
    return ready() ? real.MHD_create_response_from_callback(size, block_size, crc, crc_cls, crfc) : NULL;
}

LAZY_FORWARDER enum MHD_Result MHD_add_response_header(struct MHD_Response *response, const char *header,
                                                       const char *content) {
    return ready() ? real.MHD_add_response_header(response, header, content) : MHD_NO;
}

LAZY_FORWARDER enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                                  struct MHD_Response *response) {
    return ready() ? real.MHD_queue_response(connection, status_code, response) : MHD_NO;
}

LAZY_FORWARDER void MHD_destroy_response(struct MHD_Response *response) {
    if (ready()) real.MHD_destroy_response(response);
}
