// babyllama_listener: pocketsphinx decoding one whole utterance against the
// story-request grammar (see include/CPocketSphinx.h and Config/listen/).
//
// Only non-variadic pocketsphinx/sphinxbase functions are called, and only the
// ones listed in pocketsphinx_forwarders.c and sphinxbase_forwarders.c.
//
// Logging: sphinxbase prints hundreds of INFO lines through one process-wide
// callback (and dumps its configuration on the log file, which is closed
// here). Ours drops everything below ERROR and keeps the calling thread's first
// ERROR line that is not a "... failed" echo of an earlier one: the reason a
// call failed. (The kept line is per thread, so listeners on different threads
// do not mix their errors.)
//
// Each decode makes two passes over the samples: the grammar's search (the
// words) and a loop of context-independent phones (the confidence, see
// hypothesis_confidence).
//
// The argument file is read here, not with cmd_ln_parse_file_r: that one has no
// comments and calls exit() on an unknown argument.
#include "CPocketSphinx.h"
#include "pocketsphinx_api.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/// The phone loop's search name (see hypothesis_confidence).
static const char phone_loop[] = "babyllama_phone_loop";

/// A stretch of frames with its acoustic score: a word of the grammar's best
/// path or a phone of the phone loop's.
struct segment {
    int first_frame, last_frame;
    int32 acoustic_score;
    int is_word;
};

struct babyllama_listener {
    ps_decoder_t *decoder;
    /// The grammar's search name (pocketsphinx's default one).
    char *grammar_search;
    struct segment *segments;
    size_t segment_capacity;
    /// The argument strings: cmd_ln keeps pointers to them as its keys.
    char **argv;
    int argc;
    char *file_text;
};

// MARK: - Errors

static _Thread_local char last_error[512];

/// sphinxbase's log callback: keeps ERROR and FATAL lines, without their
/// `ERROR: "file.c", line 12: ` prefix and trailing newline.
static void log_callback(void *user_data, err_lvl_t level, const char *format, ...) {
    (void)user_data;
    if (level < ERR_ERROR) return;
    char line[sizeof(last_error)];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof(line), format, arguments);
    va_end(arguments);
    const char *message = line;
    if (strncmp(message, "ERROR: \"", 8) == 0 || strncmp(message, "FATAL: \"", 8) == 0) {
        const char *rest = strstr(message, "\", line ");
        if (rest != NULL && (rest = strstr(rest, ": ")) != NULL) message = rest + 2;
    }
    // "cmd_ln_parse_r failed", "Failed to parse JSGF grammar" and the like
    // follow the real reason: keep that one.
    if (last_error[0] != '\0' && (strstr(message, "failed") != NULL || strstr(message, "Failed") != NULL))
        return;
    snprintf(last_error, sizeof(last_error), "%s", message);
    size_t length = strlen(last_error);
    while (length > 0 && isspace((unsigned char)last_error[length - 1])) last_error[--length] = '\0';
}

static pthread_once_t logging_once = PTHREAD_ONCE_INIT;
static void silence_logging(void) {
    err_set_logfp(NULL); // also where the configuration dumps go (else stderr)
    err_set_callback(log_callback, NULL);
}

static void set_error(char *error, size_t error_size, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void set_error(char *error, size_t error_size, const char *format, ...) {
    if (error == NULL || error_size == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(error, error_size, format, arguments);
    va_end(arguments);
}

/// The kept pocketsphinx error, or `fallback` when it logged none.
static const char *pocketsphinx_error(const char *fallback) {
    return last_error[0] != '\0' ? last_error : fallback;
}

// MARK: - Opening

static int readable_file(const char *path) {
    struct stat status;
    return stat(path, &status) == 0 && S_ISREG(status.st_mode);
}

/// Checks the acoustic model folder has what pocketsphinx needs (some of its
/// load failures exit the process instead of returning an error).
static int check_acoustic_model(const char *folder, char *error, size_t error_size) {
    struct stat status;
    if (stat(folder, &status) != 0 || !S_ISDIR(status.st_mode)) {
        set_error(error, error_size, "acoustic model %s: not a folder", folder);
        return -1;
    }
    static const char *const required[] = { "mdef", "means", "variances", "transition_matrices" };
    char path[4096];
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", folder, required[i]);
        if (!readable_file(path)) {
            set_error(error, error_size, "acoustic model %s: missing %s", folder, required[i]);
            return -1;
        }
    }
    char sendump[4096], mixture_weights[4096];
    snprintf(sendump, sizeof(sendump), "%s/sendump", folder);
    snprintf(mixture_weights, sizeof(mixture_weights), "%s/mixture_weights", folder);
    if (!readable_file(sendump) && !readable_file(mixture_weights)) {
        set_error(error, error_size, "acoustic model %s: missing sendump or mixture_weights", folder);
        return -1;
    }
    return 0;
}

static char *read_text(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    size_t capacity = 4096, length = 0;
    char *text = malloc(capacity);
    size_t got;
    while (text != NULL && (got = fread(text + length, 1, capacity - length - 1, file)) > 0) {
        length += got;
        if (capacity - length - 1 == 0) {
            char *bigger = realloc(text, capacity * 2);
            if (bigger == NULL) { free(text); text = NULL; break; }
            text = bigger;
            capacity *= 2;
        }
    }
    fclose(file);
    if (text != NULL) text[length] = '\0';
    return text;
}

/// Splits the argument file in place into "-name value" pairs appended to
/// `argv` (which has room for `capacity`): '#' starts a comment, each non-empty
/// line holds exactly one name and one value.
static int parse_arguments(char *text, const char *path, char **argv, int *argc, int capacity,
                           char *error, size_t error_size) {
    int line_number = 0;
    char *line = text;
    while (line != NULL) {
        line_number++;
        char *next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        char *comment = strchr(line, '#');
        if (comment != NULL) *comment = '\0';
        char *words[3];
        int count = 0;
        for (char *word = strtok(line, " \t\r"); word != NULL; word = strtok(NULL, " \t\r")) {
            if (count < 3) words[count] = word;
            count++;
        }
        if (count != 0) {
            if (count != 2 || words[0][0] != '-') {
                set_error(error, error_size, "decoder arguments %s: line %d: expected \"-name value\"",
                          path, line_number);
                return -1;
            }
            if (strcmp(words[0], "-hmm") == 0 || strcmp(words[0], "-jsgf") == 0 ||
                strcmp(words[0], "-dict") == 0 || strcmp(words[0], "-lm") == 0 ||
                strcmp(words[0], "-fsg") == 0 || strcmp(words[0], "-kws") == 0 ||
                strcmp(words[0], "-allphone") == 0 || strcmp(words[0], "-allphone_ci") == 0 ||
                strcmp(words[0], "-logfn") == 0) {
                set_error(error, error_size,
                          "decoder arguments %s: line %d: %s is not allowed here (the model, grammar, "
                          "dictionary, phone loop and logging are the listener's)", path, line_number, words[0]);
                return -1;
            }
            if (*argc + 2 > capacity) {
                set_error(error, error_size, "decoder arguments %s: more than %d settings", path, capacity / 2);
                return -1;
            }
            argv[(*argc)++] = words[0];
            argv[(*argc)++] = words[1];
        }
        line = next;
    }
    return 0;
}

/// strdup, which strict C11 (-std=c11) does not declare.
static char *copy_string(const char *string) {
    size_t size = strlen(string) + 1;
    char *copy = malloc(size);
    if (copy != NULL) memcpy(copy, string, size);
    return copy;
}

static void free_listener(babyllama_listener *listener) {
    if (listener == NULL) return;
    if (listener->decoder != NULL) ps_free(listener->decoder);
    free(listener->grammar_search);
    free(listener->segments);
    free(listener->argv);
    free(listener->file_text);
    free(listener);
}

babyllama_listener *babyllama_listener_open(const char *acoustic_model, const char *grammar,
                                            const char *dictionary, const char *arguments_file,
                                            char *error, size_t error_size) {
    set_error(error, error_size, "%s", "");
    const char *unavailable = babyllama_pocketsphinx_unavailable_reason();
    if (unavailable != NULL) {
        set_error(error, error_size, "%s", unavailable);
        return NULL;
    }
    if (acoustic_model == NULL || grammar == NULL || dictionary == NULL) {
        set_error(error, error_size, "the acoustic model, grammar and dictionary are required");
        return NULL;
    }
    if (check_acoustic_model(acoustic_model, error, error_size) != 0) return NULL;
    if (!readable_file(grammar)) {
        set_error(error, error_size, "grammar %s: %s", grammar, strerror(errno ? errno : ENOENT));
        return NULL;
    }
    if (!readable_file(dictionary)) {
        set_error(error, error_size, "dictionary %s: %s", dictionary, strerror(errno ? errno : ENOENT));
        return NULL;
    }

    pthread_once(&logging_once, silence_logging);
    last_error[0] = '\0';

    babyllama_listener *listener = calloc(1, sizeof(*listener));
    enum { capacity = 256 };
    if (listener == NULL || (listener->argv = calloc(capacity, sizeof(char *))) == NULL) {
        set_error(error, error_size, "out of memory");
        free_listener(listener);
        return NULL;
    }
    if (arguments_file != NULL && arguments_file[0] != '\0') {
        if ((listener->file_text = read_text(arguments_file)) == NULL) {
            set_error(error, error_size, "decoder arguments %s: %s", arguments_file, strerror(errno));
            free_listener(listener);
            return NULL;
        }
        if (parse_arguments(listener->file_text, arguments_file, listener->argv, &listener->argc,
                            capacity - 8, error, error_size) != 0) {
            free_listener(listener);
            return NULL;
        }
    }
    listener->argv[listener->argc++] = "-hmm";
    listener->argv[listener->argc++] = (char *)acoustic_model;
    listener->argv[listener->argc++] = "-jsgf";
    listener->argv[listener->argc++] = (char *)grammar;
    listener->argv[listener->argc++] = "-dict";
    listener->argv[listener->argc++] = (char *)dictionary;
    // The confidence's phone loop: context-independent phones keep it small and
    // fast (a loop of triphones took 750 MB and minutes per utterance).
    listener->argv[listener->argc++] = "-allphone_ci";
    listener->argv[listener->argc++] = "yes";

    // strict: an unknown or repeated setting is an error, not ignored.
    cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), listener->argc, listener->argv, 1);
    if (config == NULL) {
        set_error(error, error_size, "decoder arguments %s: %s",
                  arguments_file != NULL ? arguments_file : "(none)", pocketsphinx_error("cannot be parsed"));
        free_listener(listener);
        return NULL;
    }
    listener->decoder = ps_init(config);
    cmd_ln_free_r(config); // the decoder keeps its own reference
    if (listener->decoder == NULL) {
        const char *reason = pocketsphinx_error("the decoder could not be opened");
        if (strstr(reason, "dictionary") != NULL || strstr(reason, "phone") != NULL)
            set_error(error, error_size, "dictionary %s / grammar %s: %s", dictionary, grammar, reason);
        else if (strstr(reason, "line") != NULL || strstr(reason, "grammar") != NULL ||
                 strstr(reason, "rule") != NULL || strstr(reason, "JSGF") != NULL)
            set_error(error, error_size, "grammar %s: %s", grammar, reason);
        else
            set_error(error, error_size, "pocketsphinx: %s", reason);
        free_listener(listener);
        return NULL;
    }
    // A second search over the same acoustic model: a free loop of phones (no
    // phone language model), the yardstick the grammar's words are measured by.
    const char *grammar_search = ps_get_search(listener->decoder);
    if (grammar_search == NULL || (listener->grammar_search = copy_string(grammar_search)) == NULL ||
        ps_set_allphone_file(listener->decoder, phone_loop, NULL) < 0 ||
        ps_set_search(listener->decoder, listener->grammar_search) < 0) {
        set_error(error, error_size, "pocketsphinx: cannot add the phone loop: %s",
                  pocketsphinx_error("unknown reason"));
        free_listener(listener);
        return NULL;
    }
    return listener;
}

// MARK: - Decoding

/// Copies `hypothesis` into `text`, lower-cased, words separated by one space,
/// dropping fillers ("<sil>", "[noise]") and alternative-pronunciation marks
/// ("word(2)" becomes "word").
static void copy_words(const char *hypothesis, char *text, size_t text_size) {
    size_t length = 0;
    text[0] = '\0';
    const char *cursor = hypothesis != NULL ? hypothesis : "";
    while (*cursor != '\0') {
        while (*cursor == ' ') cursor++;
        const char *start = cursor;
        while (*cursor != '\0' && *cursor != ' ') cursor++;
        size_t word_length = (size_t)(cursor - start);
        if (word_length == 0) break;
        if (start[0] == '<' || start[0] == '[' || start[0] == '+') continue;
        const char *paren = memchr(start, '(', word_length);
        if (paren != NULL) word_length = (size_t)(paren - start);
        if (length + (length > 0) + word_length + 1 > text_size) break;
        if (length > 0) text[length++] = ' ';
        for (size_t i = 0; i < word_length; i++) text[length++] = (char)tolower((unsigned char)start[i]);
        text[length] = '\0';
    }
}

static int add_segment(babyllama_listener *listener, size_t *count, struct segment segment) {
    if (*count == listener->segment_capacity) {
        size_t capacity = listener->segment_capacity ? listener->segment_capacity * 2 : 256;
        struct segment *bigger = realloc(listener->segments, capacity * sizeof(*bigger));
        if (bigger == NULL) return -1;
        listener->segments = bigger;
        listener->segment_capacity = capacity;
    }
    listener->segments[(*count)++] = segment;
    return 0;
}

/// Appends the current search's best-path segments (fillers are skipped when
/// `words`: silence and noise carry no meaning).
static int collect_segments(babyllama_listener *listener, size_t *count, int words) {
    for (ps_seg_t *seg = ps_seg_iter(listener->decoder); seg != NULL; seg = ps_seg_next(seg)) {
        const char *word = ps_seg_word(seg);
        if (words && (word == NULL || word[0] == '<' || word[0] == '[' || word[0] == '+')) continue;
        struct segment segment = { .is_word = words };
        int32 language = 0, backoff = 0;
        ps_seg_frames(seg, &segment.first_frame, &segment.last_frame);
        ps_seg_prob(seg, &segment.acoustic_score, &language, &backoff);
        if (add_segment(listener, count, segment) != 0) {
            ps_seg_free(seg);
            return -1;
        }
    }
    return 0;
}

/// The phone loop's acoustic score over frames first...last, its segments
/// shared out by the frames they overlap.
static double loop_score(const struct segment *phones, size_t count, int first, int last) {
    double score = 0.0;
    for (size_t i = 0; i < count; i++) {
        int from = phones[i].first_frame > first ? phones[i].first_frame : first;
        int to = phones[i].last_frame < last ? phones[i].last_frame : last;
        if (from > to) continue;
        int length = phones[i].last_frame - phones[i].first_frame + 1;
        score += (double)phones[i].acoustic_score * (to - from + 1) / length;
    }
    return score;
}

/// The confidence: how close the grammar's best path comes, acoustically, to
/// the best free sequence of phones over the same frames. A phone loop can
/// follow any sound; a grammar path forced onto speech that was something else
/// (another sentence, a cough, the television) falls far behind it. The margin
/// is the words' acoustic score minus the loop's over the words' frames, per
/// frame, in natural-log units; it is mapped to 0...1 by z / (1 + |z|) around
/// CONFIDENCE_MIDPOINT, so 0.5 is the recommended threshold.
///
/// Measured with espeak-ng (scripts/listen-testset.py): requests of the
/// grammar had margins above -2.95, confidence 0.73 or more (clean and noisy),
/// other sentences -3.4 ... -4.5, confidence 0.08 ... 0.23. Wrong words *inside* the grammar (tom for max) are not caught
/// by this: their margins look like right ones.
#define CONFIDENCE_MIDPOINT (-3.2)
#define CONFIDENCE_SCALE 0.25
/// Natural-log units of an acoustic score: log(1.0001) (the logmath base) times
/// 2^10 (pocketsphinx keeps senone scores shifted right by 10 bits).
#define SCORE_UNIT (1024 * 1.0000500033334732e-4)

static double hypothesis_confidence(const babyllama_listener *listener, size_t words, size_t count) {
    const struct segment *segments = listener->segments;
    double margin = 0.0;
    int frames = 0;
    for (size_t i = 0; i < words; i++) {
        int length = segments[i].last_frame - segments[i].first_frame + 1;
        // Empty segments (null transitions of the grammar) carry no sound.
        if (segments[i].first_frame < 0 || length <= 0 || segments[i].acoustic_score == 0) continue;
        double loop = loop_score(segments + words, count - words, segments[i].first_frame, segments[i].last_frame);
        margin += ((double)segments[i].acoustic_score - loop) * SCORE_UNIT;
        frames += length;
    }
    if (frames == 0) return 0.0;
    // A softsign rather than a logistic curve: no exp(), so no libm to link.
    double z = (margin / frames - CONFIDENCE_MIDPOINT) / CONFIDENCE_SCALE;
    return 0.5 + 0.5 * z / (1.0 + (z < 0 ? -z : z));
}

int babyllama_listener_decode(babyllama_listener *listener, const int16_t *samples, size_t count_samples,
                              char *text, size_t text_size, double *confidence,
                              char *error, size_t error_size) {
    set_error(error, error_size, "%s", "");
    if (text != NULL && text_size > 0) text[0] = '\0';
    if (confidence != NULL) *confidence = 0.0;
    if (listener == NULL || listener->decoder == NULL || text == NULL || text_size == 0) {
        set_error(error, error_size, "no listener or no room for the text");
        return -1;
    }
    last_error[0] = '\0';
    ps_decoder_t *decoder = listener->decoder;
    if (ps_start_utt(decoder) < 0) {
        set_error(error, error_size, "pocketsphinx: %s", pocketsphinx_error("cannot start an utterance"));
        return -1;
    }
    // One whole utterance: cepstral mean normalisation over all of it.
    if (count_samples > 0 && ps_process_raw(decoder, samples, count_samples, 0, 1) < 0) {
        ps_end_utt(decoder);
        set_error(error, error_size, "pocketsphinx: %s", pocketsphinx_error("cannot process the samples"));
        return -1;
    }
    if (ps_end_utt(decoder) < 0) {
        set_error(error, error_size, "pocketsphinx: %s", pocketsphinx_error("cannot end the utterance"));
        return -1;
    }
    int32 score = 0;
    const char *hypothesis = ps_get_hyp(decoder, &score);
    copy_words(hypothesis, text, text_size);
    if (confidence == NULL || text[0] == '\0') return 0;

    // The confidence needs the phone loop's pass over the same samples.
    size_t words = 0, count = 0;
    int failed = collect_segments(listener, &words, 1) != 0;
    count = words;
    if (!failed && ps_set_search(decoder, phone_loop) < 0) failed = 1;
    if (!failed) {
        if (ps_start_utt(decoder) < 0 || ps_process_raw(decoder, samples, count_samples, 0, 1) < 0 ||
            ps_end_utt(decoder) < 0 || collect_segments(listener, &count, 0) != 0)
            failed = 1;
        if (ps_set_search(decoder, listener->grammar_search) < 0) failed = 1;
    }
    if (failed) {
        set_error(error, error_size, "pocketsphinx: the confidence pass failed: %s",
                  pocketsphinx_error("out of memory"));
        text[0] = '\0';
        return -1;
    }
    *confidence = hypothesis_confidence(listener, words, count);
    return 0;
}

void babyllama_listener_close(babyllama_listener *listener) {
    free_listener(listener);
}
