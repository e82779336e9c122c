// The few pocketsphinx and sphinxbase declarations listener.c uses, copied from
// pocketsphinx 0.8+5prealpha's <pocketsphinx.h> and sphinxbase's <cmd_ln.h>,
// and <err.h>. They are declared here rather than included because
// the installed <pocketsphinx.h> includes its siblings without the
// "pocketsphinx/" prefix (<pocketsphinx_export.h>, <cmdln_macro.h>), so it only
// compiles with -I/usr/include/pocketsphinx, which a portable SwiftPM target
// cannot pass; the sphinxbase headers also sit in a multiarch folder on Debian.
//
// Compile with -DPOCKETSPHINX_API_CHECK -I/usr/include/pocketsphinx to have the
// compiler compare every declaration below with the installed headers (a
// mismatch is a "conflicting types" error):
//   gcc -fsyntax-only -DPOCKETSPHINX_API_CHECK -I/usr/include/pocketsphinx
//       -ISources/CPocketSphinx/include Sources/CPocketSphinx/listener.c
#ifndef BABYLLAMA_POCKETSPHINX_API_H
#define BABYLLAMA_POCKETSPHINX_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef POCKETSPHINX_API_CHECK
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#endif

// sphinxbase/prim_type.h
typedef int int32;
typedef short int16;

// sphinxbase/cmd_ln.h
typedef struct arg_s arg_t;
typedef struct cmd_ln_s cmd_ln_t;
cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *inout_cmdln, arg_t const *defn, int32 argc, char *argv[], int32 strict);
cmd_ln_t *cmd_ln_parse_file_r(cmd_ln_t *inout_cmdln, arg_t const *defn, char const *filename, int32 strict);
int cmd_ln_free_r(cmd_ln_t *cmdln);

// sphinxbase/err.h: the callback receives every log line (INFO ... FATAL).
#ifndef POCKETSPHINX_API_CHECK
typedef enum err_e { ERR_DEBUG, ERR_INFO, ERR_INFOCONT, ERR_WARN, ERR_ERROR, ERR_FATAL, ERR_MAX } err_lvl_t;
#else
_Static_assert(ERR_ERROR == 4 && ERR_FATAL == 5, "sphinxbase's err_lvl_t changed");
#endif
typedef void (*err_cb_f)(void *user_data, err_lvl_t, const char *, ...);
void err_set_callback(err_cb_f callback, void *user_data);
void err_set_logfp(FILE *stream);

// pocketsphinx.h
typedef struct ps_decoder_s ps_decoder_t;
typedef struct ps_seg_s ps_seg_t;
arg_t const *ps_args(void);
ps_decoder_t *ps_init(cmd_ln_t *config);
int ps_free(ps_decoder_t *ps);
int ps_start_utt(ps_decoder_t *ps);
int ps_process_raw(ps_decoder_t *ps, int16 const *data, size_t n_samples, int no_search, int full_utt);
int ps_end_utt(ps_decoder_t *ps);
char const *ps_get_hyp(ps_decoder_t *ps, int32 *out_best_score);
ps_seg_t *ps_seg_iter(ps_decoder_t *ps);
ps_seg_t *ps_seg_next(ps_seg_t *seg);
char const *ps_seg_word(ps_seg_t *seg);
void ps_seg_frames(ps_seg_t *seg, int *out_sf, int *out_ef);
int32 ps_seg_prob(ps_seg_t *seg, int32 *out_ascr, int32 *out_lscr, int32 *out_lback);
void ps_seg_free(ps_seg_t *seg);

// pocketsphinx/ps_search.h
int ps_set_search(ps_decoder_t *ps, const char *name);
const char *ps_get_search(ps_decoder_t *ps);
int ps_set_allphone_file(ps_decoder_t *ps, const char *name, const char *path);

#endif
