#include "ipjpeg.h"

#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

struct ipjpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int fail_mask;
    int warnings;
    int failed;
    char message[JMSG_LENGTH_MAX];
};

struct ipjpeg_decoder {
    struct jpeg_decompress_struct info; /* first, so that a j_common_ptr is also the decoder */
    struct ipjpeg_error error;
    int created;
    struct jpeg_progress_mgr progress;
    int scan_limit;    /* 0: none */
    int scans_refused; /* the scan number that went past scan_limit */
};

/* Sorts a libjpeg warning code (jerror.h's JWRN_*, never its text) into the categories the caller's policy
   speaks of. Truncation is every warning after which libjpeg fills rows in instead of decoding them:
   - JWRN_JPEG_EOF: the data ran out; the source manager inserts an end marker.
   - JWRN_HIT_MARKER: the entropy decoder met a marker (a cut file with an end marker appended, say);
     the rest of the segment is decoded as zeros.
   - JWRN_MUST_RESYNC: the expected restart marker is missing; libjpeg skips data or inserts zeros until
     it finds its place again.
   - JWRN_ARITH_BAD_CODE: the arithmetic decoder gives up on the rest of the segment (zeros).
   Damage is data that was decoded, wrongly: a bad Huffman code (a zero is faked and decoding goes on),
   stray bytes between segments, an inconsistent progression, bad SOS parameters, a bad ICC marker.
   The rest (an unknown JFIF revision or Adobe transform, too many scanlines asked for) is harmless. */
static int ipjpeg_category(int code) {
    switch (code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_MUST_RESYNC:
    case JWRN_ARITH_BAD_CODE:
        return IPJPEG_WARN_TRUNCATED;
    case JWRN_EXTRANEOUS_DATA:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_ICC:
        return IPJPEG_WARN_CORRUPT;
    default:
        return IPJPEG_WARN_OTHER;
    }
}

/* A progressive file cut between two scans, with an end marker appended, draws no warning at all: the
   missing scans simply never come, and the picture is blurred or grey. libjpeg records in coef_bits how
   far each coefficient of each component was refined (-1 never, 0 complete), so once the input is
   consumed, an incomplete progression is reported as truncation like the warnings above. */
static void ipjpeg_check_progression(ipjpeg_decoder *decoder) {
    struct jpeg_decompress_struct *info = &decoder->info;
    if (!info->progressive_mode || !info->coef_bits || !jpeg_input_complete(info)) return;
    for (int component = 0; component < info->num_components; component++) {
        for (int k = 0; k < DCTSIZE2; k++) {
            if (info->coef_bits[component][k] != 0) {
                struct ipjpeg_error *error = &decoder->error;
                int fail = error->fail_mask & IPJPEG_WARN_TRUNCATED;
                if (error->warnings == 0 || fail)
                    snprintf(error->message, sizeof error->message,
                             "Progressive JPEG data ends before its last scan (component %d, coefficient %d %s)",
                             component, k, info->coef_bits[component][k] < 0 ? "never sent" : "not refined");
                error->warnings |= IPJPEG_WARN_TRUNCATED;
                if (fail) {
                    error->failed = 1;
                    longjmp(error->jump, 1);
                }
                return;
            }
        }
    }
}

/* libjpeg must not return from error_exit: jump back to the setjmp of the shim function that called it. */
static void ipjpeg_error_exit(j_common_ptr info) {
    struct ipjpeg_error *error = (struct ipjpeg_error *)info->err;
    error->failed = 1;
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

/* Warnings (level < 0) are recorded; one the caller asked to fail on becomes an error at once, which
   also spares decoding the rest of a file that is already rejected. Trace messages (level >= 0) are dropped. */
static void ipjpeg_emit_message(j_common_ptr info, int level) {
    struct ipjpeg_error *error = (struct ipjpeg_error *)info->err;
    if (level >= 0) return;
    int category = ipjpeg_category(info->err->msg_code);
    if (error->warnings == 0) (*info->err->format_message)(info, error->message);
    error->warnings |= category;
    if (category & error->fail_mask) {
        error->failed = 1;
        (*info->err->format_message)(info, error->message);
        longjmp(error->jump, 1);
    }
}

/* libjpeg prints to stderr by default; a library must not. */
static void ipjpeg_output_message(j_common_ptr info) { (void)info; }

static void ipjpeg_install_errors(struct ipjpeg_error *error, int fail_mask) {
    jpeg_std_error(&error->pub);
    error->pub.error_exit = ipjpeg_error_exit;
    error->pub.emit_message = ipjpeg_emit_message;
    error->pub.output_message = ipjpeg_output_message;
    error->fail_mask = fail_mask;
    error->warnings = 0;
    error->failed = 0;
    error->message[0] = 0;
}

ipjpeg_decoder *ipjpeg_decoder_create(int fail_mask) {
    ipjpeg_decoder *decoder = calloc(1, sizeof(ipjpeg_decoder));
    if (!decoder) return NULL;
    ipjpeg_install_errors(&decoder->error, fail_mask);
    decoder->info.err = &decoder->error.pub;
    if (setjmp(decoder->error.jump)) {
        free(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    decoder->created = 1;
    return decoder;
}

void ipjpeg_decoder_destroy(ipjpeg_decoder *decoder) {
    if (!decoder) return;
    if (decoder->created) jpeg_destroy_decompress(&decoder->info);
    free(decoder);
}

int ipjpeg_read_header(ipjpeg_decoder *decoder, const uint8_t *data, size_t size, ipjpeg_header *header) {
    if (setjmp(decoder->error.jump)) return -1;
    jpeg_mem_src(&decoder->info, data, (unsigned long)size);
    jpeg_save_markers(&decoder->info, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&decoder->info, TRUE);
    header->width = decoder->info.image_width;
    header->height = decoder->info.image_height;
    header->components = decoder->info.num_components;
    header->progressive = decoder->info.progressive_mode ? 1 : 0;
    header->saw_adobe = decoder->info.saw_Adobe_marker ? 1 : 0;
    switch (decoder->info.jpeg_color_space) {
    case JCS_GRAYSCALE:
        header->color = IPJPEG_COLOR_GRAY;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        header->color = IPJPEG_COLOR_CMYK;
        break;
    default:
        header->color = IPJPEG_COLOR_RGB;
        break;
    }
    return 0;
}

int ipjpeg_copy_icc(ipjpeg_decoder *decoder, uint8_t **profile, unsigned int *length) {
    *profile = NULL;
    *length = 0;
    if (setjmp(decoder->error.jump)) return 0;
    JOCTET *data = NULL;
    unsigned int size = 0;
    if (!jpeg_read_icc_profile(&decoder->info, &data, &size)) return 0;
    *profile = data;
    *length = size;
    return 1;
}

/* Grey stays grey, CMYK and YCCK come out as CMYK, everything else as RGB; DCT-scaled by 1/scale_denom. */
static void ipjpeg_choose_output(struct jpeg_decompress_struct *info, int scale_denom) {
    switch (info->jpeg_color_space) {
    case JCS_GRAYSCALE:
        info->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        info->out_color_space = JCS_CMYK;
        break;
    default:
        info->out_color_space = JCS_RGB;
        break;
    }
    info->scale_num = 1;
    info->scale_denom = (unsigned int)scale_denom;
    info->dct_method = JDCT_ISLOW;
}

int ipjpeg_start(ipjpeg_decoder *decoder, int scale_denom, uint32_t *width, uint32_t *height, int *channels) {
    if (setjmp(decoder->error.jump)) return -1;
    struct jpeg_decompress_struct *info = &decoder->info;
    ipjpeg_choose_output(info, scale_denom);
    jpeg_start_decompress(info);
    *width = info->output_width;
    *height = info->output_height;
    *channels = info->output_components;
    return 0;
}

/* Called by libjpeg between iMCU rows while it reads a multi-scan file, and by ipjpeg_start_dc after
   each step: a scan past the limit ends decoding by the same jump as an error. */
static void ipjpeg_check_scans(j_common_ptr common) {
    ipjpeg_decoder *decoder = (ipjpeg_decoder *)common;
    int scan = decoder->info.input_scan_number;
    if (decoder->scan_limit <= 0 || scan <= decoder->scan_limit) return;
    decoder->scans_refused = scan;
    decoder->error.failed = 1;
    snprintf(decoder->error.message, sizeof decoder->error.message, "scan %d is past the limit of %d scans", scan,
             decoder->scan_limit);
    longjmp(decoder->error.jump, 1);
}

void ipjpeg_limit_scans(ipjpeg_decoder *decoder, int limit) {
    decoder->scan_limit = limit;
    decoder->progress.progress_monitor = ipjpeg_check_scans;
    decoder->info.progress = &decoder->progress;
}

int ipjpeg_scans_refused(const ipjpeg_decoder *decoder) { return decoder->scans_refused; }

/* True when every component's DC coefficients have arrived (all their bits with `refined`). libjpeg sets
   coef_bits when a scan starts, so this is only meaningful at a scan boundary. */
static int ipjpeg_dc_present(const struct jpeg_decompress_struct *info, int refined) {
    for (int c = 0; c < info->num_components; c++) {
        int bits = info->coef_bits[c][0];
        if (bits < 0 || (refined && bits != 0)) return 0;
    }
    return 1;
}

int ipjpeg_start_dc(ipjpeg_decoder *decoder, int wait_for_refinement, ipjpeg_dc_progress *progress,
                    uint32_t *width, uint32_t *height, int *channels) {
    memset(progress, 0, sizeof *progress);
    if (setjmp(decoder->error.jump)) return -1;
    struct jpeg_decompress_struct *info = &decoder->info;
    if (!info->progressive_mode) {
        snprintf(decoder->error.message, sizeof decoder->error.message, "not a progressive JPEG");
        return -1;
    }
    ipjpeg_choose_output(info, 8);
    info->buffered_image = TRUE;
    /* Smoothing guesses low AC coefficients for a blurry preview; at 1/8 scale only DC is used anyway. */
    info->do_block_smoothing = FALSE;
    jpeg_start_decompress(info); /* in buffered-image mode this reads no scan data yet */
    /* Read until a scan completes with every DC present. The first scans are normally DC, but mozjpeg
       writes one DC scan per component, and an encoder may put AC scans of one component before the DC
       of another: those are read (and decoded) on the way. */
    for (;;) {
        int status = jpeg_consume_input(info);
        ipjpeg_check_scans((j_common_ptr)info);
        if (status == JPEG_REACHED_EOI) break;
        if (status == JPEG_SCAN_COMPLETED && ipjpeg_dc_present(info, wait_for_refinement)) break;
    }
    progress->scans = info->input_scan_number;
    progress->bytes_left = info->src->bytes_in_buffer;
    progress->dc_refined = ipjpeg_dc_present(info, 1);
    jpeg_start_output(info, info->input_scan_number);
    *width = info->output_width;
    *height = info->output_height;
    *channels = info->output_components;
    return 0;
}

int ipjpeg_read_rows(ipjpeg_decoder *decoder, uint8_t *pixels, size_t stride, uint32_t max_rows,
                     uint32_t *rows_read) {
    /* Counted through a volatile so that the rows done before a failure are still reported after it. */
    volatile uint32_t done = 0;
    *rows_read = 0;
    if (setjmp(decoder->error.jump)) {
        *rows_read = done;
        return -1;
    }
    struct jpeg_decompress_struct *info = &decoder->info;
    JSAMPROW rows[16];
    while (done < max_rows && info->output_scanline < info->output_height) {
        uint32_t want = max_rows - done;
        if (want > 16) want = 16;
        for (uint32_t i = 0; i < want; i++) rows[i] = pixels + (size_t)(done + i) * stride;
        done += jpeg_read_scanlines(info, rows, want);
    }
    *rows_read = done;
    return 0;
}

int ipjpeg_finish(ipjpeg_decoder *decoder) {
    if (setjmp(decoder->error.jump)) return -1;
    ipjpeg_check_progression(decoder);
    jpeg_finish_decompress(&decoder->info);
    return 0;
}

long ipjpeg_coefficient_bytes(const ipjpeg_decoder *decoder) {
    const struct jpeg_decompress_struct *info = &decoder->info;
    if (!info->progressive_mode && info->comps_in_scan >= info->num_components) return 0;
    long total = 0;
    for (int index = 0; index < info->num_components; index++) {
        const jpeg_component_info *component = &info->comp_info[index];
        long across = ((long)component->width_in_blocks + component->h_samp_factor - 1) / component->h_samp_factor;
        long down = ((long)component->height_in_blocks + component->v_samp_factor - 1) / component->v_samp_factor;
        total += across * component->h_samp_factor * down * component->v_samp_factor * (long)sizeof(JBLOCK);
    }
    return total;
}

void ipjpeg_set_memory_limit(ipjpeg_decoder *decoder, long bytes) { decoder->info.mem->max_memory_to_use = bytes; }

int ipjpeg_over_memory_limit(const ipjpeg_decoder *decoder) {
    return decoder->error.failed && decoder->error.pub.msg_code == JERR_NO_BACKING_STORE;
}

int ipjpeg_warnings(const ipjpeg_decoder *decoder) { return decoder->error.warnings; }

const char *ipjpeg_message(const ipjpeg_decoder *decoder) { return decoder->error.message; }

/* The encoder's state lives in one heap block so that nothing a longjmp skips over is a stale local. */
struct ipjpeg_encoder {
    struct jpeg_compress_struct info;
    struct ipjpeg_error error;
    unsigned char *buffer;
    unsigned long length;
};

int ipjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int channels,
                  int quality, int progressive, const uint8_t *icc, unsigned int icc_length, const char *comment,
                  uint8_t **out, unsigned long *out_length, char *message) {
    *out = NULL;
    *out_length = 0;
    message[0] = 0;
    struct ipjpeg_encoder *encoder = calloc(1, sizeof(struct ipjpeg_encoder));
    if (!encoder) {
        strcpy(message, "out of memory");
        return -1;
    }
    ipjpeg_install_errors(&encoder->error, 0);
    encoder->info.err = &encoder->error.pub;
    if (setjmp(encoder->error.jump)) {
        strncpy(message, encoder->error.message, JMSG_LENGTH_MAX - 1);
        jpeg_destroy_compress(&encoder->info);
        free(encoder->buffer);
        free(encoder);
        return -1;
    }
    jpeg_create_compress(&encoder->info);
    jpeg_mem_dest(&encoder->info, &encoder->buffer, &encoder->length);
    encoder->info.image_width = width;
    encoder->info.image_height = height;
    encoder->info.input_components = channels;
    encoder->info.in_color_space = channels == 1 ? JCS_GRAYSCALE : (channels == 4 ? JCS_CMYK : JCS_RGB);
    jpeg_set_defaults(&encoder->info);
    jpeg_set_quality(&encoder->info, quality, TRUE);
    if (progressive) jpeg_simple_progression(&encoder->info);
    jpeg_start_compress(&encoder->info, TRUE);
    if (icc && icc_length > 0) jpeg_write_icc_profile(&encoder->info, icc, icc_length);
    if (comment && comment[0])
        jpeg_write_marker(&encoder->info, JPEG_COM, (const JOCTET *)comment, (unsigned int)strlen(comment));
    while (encoder->info.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)encoder->info.next_scanline * stride);
        jpeg_write_scanlines(&encoder->info, &row, 1);
    }
    jpeg_finish_compress(&encoder->info);
    *out = encoder->buffer;
    *out_length = encoder->length;
    jpeg_destroy_compress(&encoder->info);
    free(encoder);
    return 0;
}

void ipjpeg_free(void *pointer) { free(pointer); }

void ipjpeg_keep_large_buffers(int bytes) {
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, bytes);
    mallopt(M_TRIM_THRESHOLD, bytes * 8);
    mallopt(M_ARENA_MAX, 1);
#else
    (void)bytes;
#endif
}

void ipjpeg_release_free_memory(void) {
#ifdef M_MMAP_THRESHOLD
    malloc_trim(0);
#endif
}

/* Both halves of a transcode in one heap block, so that nothing a longjmp skips over is a stale local. */
struct ipjpeg_transcoder {
    struct jpeg_decompress_struct source;
    struct jpeg_compress_struct target;
    struct ipjpeg_error error;
    jpeg_scan_info *script;
    unsigned char *buffer;
    unsigned long length;
    int source_created;
    int target_created;
};

static void ipjpeg_transcoder_destroy(struct ipjpeg_transcoder *transcoder) {
    if (transcoder->target_created) jpeg_destroy_compress(&transcoder->target);
    if (transcoder->source_created) jpeg_destroy_decompress(&transcoder->source);
    free(transcoder->script);
    free(transcoder->buffer);
    free(transcoder);
}

int ipjpeg_rescan(const uint8_t *jpeg, size_t size, const ipjpeg_scan *scans, int count, uint8_t **out,
                  unsigned long *out_length, char *message) {
    *out = NULL;
    *out_length = 0;
    message[0] = 0;
    struct ipjpeg_transcoder *transcoder = calloc(1, sizeof(struct ipjpeg_transcoder));
    jpeg_scan_info *script = count > 0 ? calloc((size_t)count, sizeof(jpeg_scan_info)) : NULL;
    if (!transcoder || !script) {
        free(transcoder);
        free(script);
        strcpy(message, count > 0 ? "out of memory" : "an empty scan script");
        return -1;
    }
    transcoder->script = script;
    for (int i = 0; i < count; i++) {
        script[i].comps_in_scan = scans[i].components;
        for (int c = 0; c < 4; c++) script[i].component_index[c] = scans[i].component[c];
        script[i].Ss = scans[i].Ss;
        script[i].Se = scans[i].Se;
        script[i].Ah = scans[i].Ah;
        script[i].Al = scans[i].Al;
    }
    ipjpeg_install_errors(&transcoder->error, 0);
    transcoder->source.err = &transcoder->error.pub;
    transcoder->target.err = &transcoder->error.pub;
    if (setjmp(transcoder->error.jump)) {
        strncpy(message, transcoder->error.message, JMSG_LENGTH_MAX - 1);
        ipjpeg_transcoder_destroy(transcoder);
        return -1;
    }
    jpeg_create_decompress(&transcoder->source);
    transcoder->source_created = 1;
    jpeg_create_compress(&transcoder->target);
    transcoder->target_created = 1;
    jpeg_mem_src(&transcoder->source, jpeg, (unsigned long)size);
    jpeg_read_header(&transcoder->source, TRUE);
    jvirt_barray_ptr *coefficients = jpeg_read_coefficients(&transcoder->source);
    jpeg_copy_critical_parameters(&transcoder->source, &transcoder->target);
    transcoder->target.scan_info = script;
    transcoder->target.num_scans = count;
    jpeg_mem_dest(&transcoder->target, &transcoder->buffer, &transcoder->length);
    jpeg_write_coefficients(&transcoder->target, coefficients);
    jpeg_finish_compress(&transcoder->target);
    jpeg_finish_decompress(&transcoder->source);
    *out = transcoder->buffer;
    *out_length = transcoder->length;
    transcoder->buffer = NULL;
    ipjpeg_transcoder_destroy(transcoder);
    return 0;
}
