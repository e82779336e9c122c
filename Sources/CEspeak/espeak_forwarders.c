// The espeak-ng functions StorySpeech calls, defined here as forwarders into
// libespeak-ng.so.1, which is opened at the first call (see lazy_library.h):
// libespeak-ng pulls in pcaudio, PulseAudio, sndfile... that `run` and `bench`
// must not pay for. Without the library every call fails with
// ENS_NOT_SUPPORTED and espeak_ng_GetStatusCodeMessage tells why
// ("libespeak-ng.so.1 not found: install espeak-ng").
#include "CEspeak.h"
#include "lazy_library.h"

#include <pthread.h>

/// Every function forwarded (the calls in Sources/StorySpeech).
#define ESPEAK_FUNCTIONS(X) \
    X(espeak_ng_InitializePath) \
    X(espeak_ng_Initialize) \
    X(espeak_ng_ClearErrorContext) \
    X(espeak_ng_InitializeOutput) \
    X(espeak_ng_GetSampleRate) \
    X(espeak_ng_GetStatusCodeMessage) \
    X(espeak_ng_SetVoiceByName) \
    X(espeak_ng_SetVoiceByProperties) \
    X(espeak_ng_SetParameter) \
    X(espeak_ng_Synthesize) \
    X(espeak_SetSynthCallback)

LAZY_LIBRARY_LOADER(ESPEAK_FUNCTIONS, "libespeak-ng.so.1", "espeak-ng")

LAZY_FORWARDER void espeak_ng_InitializePath(const char *path) {
    if (ready()) real.espeak_ng_InitializePath(path);
}

LAZY_FORWARDER espeak_ng_STATUS espeak_ng_Initialize(espeak_ng_ERROR_CONTEXT *context) {
    return ready() ? real.espeak_ng_Initialize(context) : ENS_NOT_SUPPORTED;
}

LAZY_FORWARDER void espeak_ng_ClearErrorContext(espeak_ng_ERROR_CONTEXT *context) {
    if (ready()) real.espeak_ng_ClearErrorContext(context);
}

LAZY_FORWARDER espeak_ng_STATUS espeak_ng_InitializeOutput(espeak_ng_OUTPUT_MODE output_mode, int buffer_length,
                                                           const char *device) {
    return ready() ? real.espeak_ng_InitializeOutput(output_mode, buffer_length, device) : ENS_NOT_SUPPORTED;
}

LAZY_FORWARDER int espeak_ng_GetSampleRate(void) {
    return ready() ? real.espeak_ng_GetSampleRate() : 0;
}

LAZY_FORWARDER void espeak_ng_GetStatusCodeMessage(espeak_ng_STATUS status, char *buffer, size_t length) {
    if (ready()) real.espeak_ng_GetStatusCodeMessage(status, buffer, length);
    else lazy_library_copy_failure(&library, buffer, length);
}

LAZY_FORWARDER espeak_ng_STATUS espeak_ng_SetVoiceByName(const char *name) {
    return ready() ? real.espeak_ng_SetVoiceByName(name) : ENS_NOT_SUPPORTED;
}

LAZY_FORWARDER espeak_ng_STATUS espeak_ng_SetVoiceByProperties(espeak_VOICE *voice_selector) {
    return ready() ? real.espeak_ng_SetVoiceByProperties(voice_selector) : ENS_NOT_SUPPORTED;
}

LAZY_FORWARDER espeak_ng_STATUS espeak_ng_SetParameter(espeak_PARAMETER parameter, int value, int relative) {
    return ready() ? real.espeak_ng_SetParameter(parameter, value, relative) : ENS_NOT_SUPPORTED;
}

LAZY_FORWARDER espeak_ng_STATUS espeak_ng_Synthesize(const void *text, size_t size, unsigned int position,
                                                     espeak_POSITION_TYPE position_type, unsigned int end_position,
                                                     unsigned int flags, unsigned int *unique_identifier,
                                                     void *user_data) {
    if (!ready()) return ENS_NOT_SUPPORTED;
    return real.espeak_ng_Synthesize(text, size, position, position_type, end_position, flags,
                                     unique_identifier, user_data);
}

LAZY_FORWARDER void espeak_SetSynthCallback(t_espeak_callback *SynthCallback) {
    if (ready()) real.espeak_SetSynthCallback(SynthCallback);
}
