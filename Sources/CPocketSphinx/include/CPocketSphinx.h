#ifndef CPOCKETSPHINX_H
#define CPOCKETSPHINX_H
#include <stddef.h>
#include <stdint.h>
typedef struct babyllama_listener babyllama_listener;
babyllama_listener *babyllama_listener_open(const char *acoustic_model, const char *grammar, const char *dictionary,
                                            const char *arguments_file, char *error, size_t error_size);
int babyllama_listener_decode(babyllama_listener *listener, const int16_t *samples, size_t count, char *text,
                              size_t text_size, double *confidence, char *error, size_t error_size);
void babyllama_listener_close(babyllama_listener *listener);
const char *babyllama_pocketsphinx_unavailable_reason(void);
#endif
