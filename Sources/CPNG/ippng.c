#include "ippng.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#define IPPNG_MESSAGE_LENGTH 256

struct ippng_decoder {
    png_structp png;
    png_infop info;
    jmp_buf jump;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int fail_mask;
    int warnings;
    int failure_kind;
    int passes;
    int stage;           /* IPPNG_STAGE_*: what is being read, which says what a failure means */
    int separate_passes; /* interlace passes are read as they are stored, not combined into a picture */
    char message[IPPNG_MESSAGE_LENGTH];
};

#define IPPNG_STAGE_HEADER 0 /* chunks before the image data */
#define IPPNG_STAGE_ROWS 1   /* the image data, while rows are still missing */
#define IPPNG_STAGE_END 2    /* every row decoded; the chunks up to IEND */

/* Chunk types as png_get_io_chunk_type returns them (the four letters, big-endian). */
#define IPPNG_IDAT 0x49444154U

static void ippng_set_message(ippng_decoder *decoder, const char *text) {
    strncpy(decoder->message, text ? text : "unknown error", IPPNG_MESSAGE_LENGTH - 1);
    decoder->message[IPPNG_MESSAGE_LENGTH - 1] = 0;
}

/* libpng has no warning or error codes, only texts, and texts are not for deciding. What libpng was reading
   when it complained is: a chunk's CRC, or the image data (IDAT: a zlib error, too much data), means the
   pixels or the file's structure are damaged; anything else is an ancillary chunk, which libpng drops when
   it is bad (its benign errors are only ever about those), so the pixels are untouched. */
static int ippng_category(png_structp png) {
    if ((png_get_io_state(png) & PNG_IO_MASK_LOC) == PNG_IO_CHUNK_CRC) return IPPNG_WARN_CORRUPT;
    if (png_get_io_chunk_type(png) == IPPNG_IDAT) return IPPNG_WARN_CORRUPT;
    return IPPNG_WARN_OTHER;
}

static void ippng_error_fn(png_structp png, png_const_charp text) {
    ippng_decoder *decoder = png_get_error_ptr(png);
    if (decoder->failure_kind == 0) {
        /* While rows are still missing libpng reads nothing but IDAT chunks: meeting any other chunk there
           ("Not enough image data") means the image data stopped early, and the rest would be filled in.
           Otherwise, once the header was accepted, anything fatal is damage to the data (CRC, zlib stream,
           filters, a bad chunk after the image). */
        if (decoder->stage == IPPNG_STAGE_ROWS && png_get_io_chunk_type(png) != IPPNG_IDAT &&
            (png_get_io_state(png) & PNG_IO_MASK_LOC) != PNG_IO_CHUNK_CRC)
            decoder->failure_kind = IPPNG_WARN_TRUNCATED;
        else if (decoder->stage != IPPNG_STAGE_HEADER || ippng_category(png) == IPPNG_WARN_CORRUPT)
            decoder->failure_kind = IPPNG_WARN_CORRUPT;
        else
            decoder->failure_kind = -1;
        ippng_set_message(decoder, text);
    }
    longjmp(decoder->jump, 1);
}

/* Benign errors arrive here too (libpng reads with benign errors as warnings); one in the caller's
   fail mask is turned into a failure. */
static void ippng_warning_fn(png_structp png, png_const_charp text) {
    ippng_decoder *decoder = png_get_error_ptr(png);
    int category = ippng_category(png);
    if (decoder->warnings == 0) ippng_set_message(decoder, text);
    decoder->warnings |= category;
    if (category & decoder->fail_mask) {
        decoder->failure_kind = category;
        ippng_set_message(decoder, text);
        longjmp(decoder->jump, 1);
    }
}

/* Serves libpng from memory; running past the end is truncation, told apart from other damage. */
static void ippng_read_fn(png_structp png, png_bytep out, size_t length) {
    ippng_decoder *decoder = png_get_io_ptr(png);
    if (length > decoder->size - decoder->offset) {
        decoder->failure_kind = IPPNG_WARN_TRUNCATED;
        ippng_set_message(decoder, "the file ends before the image data does");
        longjmp(decoder->jump, 1);
    }
    memcpy(out, decoder->data + decoder->offset, length);
    decoder->offset += length;
}

ippng_decoder *ippng_decoder_create(const uint8_t *data, size_t size, int fail_mask) {
    ippng_decoder *decoder = calloc(1, sizeof(ippng_decoder));
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->fail_mask = fail_mask;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, ippng_error_fn, ippng_warning_fn);
    if (!decoder->png) {
        free(decoder);
        return NULL;
    }
    decoder->info = png_create_info_struct(decoder->png);
    if (!decoder->info) {
        png_destroy_read_struct(&decoder->png, NULL, NULL);
        free(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, ippng_read_fn);
    return decoder;
}

void ippng_decoder_destroy(ippng_decoder *decoder) {
    if (!decoder) return;
    png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    free(decoder);
}

void ippng_skip_adler32(ippng_decoder *decoder) {
    png_set_option(decoder->png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
}

int ippng_read_header(ippng_decoder *decoder, ippng_header *header) {
    if (setjmp(decoder->jump)) return -1;
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    png_read_info(png, info);
    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->color_type = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    /* Palette to RGB, tRNS to an alpha channel, 1/2/4-bit grey to 8 bits; 16 bits scaled (not cut) to 8. */
    png_set_expand(png);
    png_set_scale_16(png);
    decoder->passes = decoder->separate_passes ? 1 : png_set_interlace_handling(png);
    png_read_update_info(png, info);
    header->channels = png_get_channels(png, info);
    return 0;
}

int ippng_icc(ippng_decoder *decoder, const uint8_t **profile, uint32_t *length) {
    *profile = NULL;
    *length = 0;
    if (setjmp(decoder->jump)) return 0;
    png_charp name = NULL;
    int compression = 0;
    png_bytep data = NULL;
    png_uint_32 size = 0;
    if (!png_get_iCCP(decoder->png, decoder->info, &name, &compression, &data, &size)) return 0;
    *profile = data;
    *length = size;
    return 1;
}

int ippng_read_image(ippng_decoder *decoder, uint8_t *pixels, size_t stride, uint32_t *rows_done) {
    volatile uint32_t done = 0;
    *rows_done = 0;
    if (setjmp(decoder->jump)) {
        *rows_done = decoder->passes > 1 ? 0 : done;
        return -1;
    }
    uint32_t height = png_get_image_height(decoder->png, decoder->info);
    decoder->stage = IPPNG_STAGE_ROWS;
    for (int pass = 0; pass < decoder->passes; pass++) {
        for (uint32_t y = 0; y < height; y++) {
            png_read_row(decoder->png, pixels + (size_t)y * stride, NULL);
            if (pass == decoder->passes - 1) done = y + 1;
        }
    }
    decoder->stage = IPPNG_STAGE_END;
    *rows_done = done;
    return 0;
}

int ippng_read_rows(ippng_decoder *decoder, uint8_t *pixels, size_t stride, uint32_t count) {
    if (setjmp(decoder->jump)) return -1;
    decoder->stage = IPPNG_STAGE_ROWS;
    for (uint32_t y = 0; y < count; y++) png_read_row(decoder->png, pixels + (size_t)y * stride, NULL);
    return 0;
}

void ippng_keep_passes_apart(ippng_decoder *decoder) { decoder->separate_passes = 1; }

int ippng_check_rows(ippng_decoder *decoder, uint8_t *row) {
    if (setjmp(decoder->jump)) return -1;
    png_structp png = decoder->png;
    uint32_t width = png_get_image_width(png, decoder->info);
    uint32_t height = png_get_image_height(png, decoder->info);
    decoder->stage = IPPNG_STAGE_ROWS;
    if (png_get_interlace_type(png, decoder->info) == PNG_INTERLACE_NONE) {
        for (uint32_t y = 0; y < height; y++) png_read_row(png, row, NULL);
    } else {
        /* Each Adam7 pass is a smaller picture of its own; libpng skips the passes with no rows or columns. */
        for (int pass = 0; pass < 7; pass++) {
            if (PNG_PASS_COLS(width, pass) == 0 || PNG_PASS_ROWS(height, pass) == 0) continue;
            for (uint32_t y = 0; y < PNG_PASS_ROWS(height, pass); y++) png_read_row(png, row, NULL);
        }
    }
    decoder->stage = IPPNG_STAGE_END;
    return 0;
}

int ippng_finish(ippng_decoder *decoder) {
    if (setjmp(decoder->jump)) return -1;
    decoder->stage = IPPNG_STAGE_END;
    png_read_end(decoder->png, NULL);
    return 0;
}

int ippng_warnings(const ippng_decoder *decoder) { return decoder->warnings; }

int ippng_failure_kind(const ippng_decoder *decoder) {
    return decoder->failure_kind > 0 ? decoder->failure_kind : 0;
}

const char *ippng_message(const ippng_decoder *decoder) { return decoder->message; }

/* The encoder's state lives in one heap block so that nothing a longjmp skips over is a stale local. */
struct ippng_encoder {
    png_structp png;
    png_infop info;
    jmp_buf jump;
    uint8_t *buffer;
    size_t length;
    size_t capacity;
    int out_of_memory;
    char message[IPPNG_MESSAGE_LENGTH];
};

static void ippng_encode_error_fn(png_structp png, png_const_charp text) {
    struct ippng_encoder *encoder = png_get_error_ptr(png);
    strncpy(encoder->message, text ? text : "unknown error", IPPNG_MESSAGE_LENGTH - 1);
    longjmp(encoder->jump, 1);
}

static void ippng_encode_warning_fn(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void ippng_write_fn(png_structp png, png_bytep bytes, size_t length) {
    struct ippng_encoder *encoder = png_get_io_ptr(png);
    if (encoder->length + length > encoder->capacity) {
        size_t capacity = encoder->capacity ? encoder->capacity : 65536;
        while (capacity < encoder->length + length) capacity *= 2;
        uint8_t *grown = realloc(encoder->buffer, capacity);
        if (!grown) png_error(png, "out of memory");
        encoder->buffer = grown;
        encoder->capacity = capacity;
    }
    memcpy(encoder->buffer + encoder->length, bytes, length);
    encoder->length += length;
}

static void ippng_flush_fn(png_structp png) { (void)png; }

int ippng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int channels, int level,
                 const uint8_t *icc, uint32_t icc_length, const char *comment, uint8_t **out, size_t *out_length,
                 char *message) {
    *out = NULL;
    *out_length = 0;
    message[0] = 0;
    struct ippng_encoder *encoder = calloc(1, sizeof(struct ippng_encoder));
    if (!encoder) {
        strcpy(message, "out of memory");
        return -1;
    }
    encoder->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, encoder, ippng_encode_error_fn,
                                           ippng_encode_warning_fn);
    if (encoder->png) encoder->info = png_create_info_struct(encoder->png);
    if (!encoder->png || !encoder->info) {
        png_destroy_write_struct(&encoder->png, &encoder->info);
        free(encoder);
        strcpy(message, "out of memory");
        return -1;
    }
    if (setjmp(encoder->jump)) {
        strncpy(message, encoder->message, IPPNG_MESSAGE_LENGTH - 1);
        png_destroy_write_struct(&encoder->png, &encoder->info);
        free(encoder->buffer);
        free(encoder);
        return -1;
    }
    static const int color_types[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4) png_error(encoder->png, "unsupported channel count");
    png_set_write_fn(encoder->png, encoder, ippng_write_fn, ippng_flush_fn);
    /* Profiles from real photos are carried over as they are: libpng's opinion of them (a "known incorrect
       sRGB profile", say) must not stop the write. */
    png_set_benign_errors(encoder->png, 1);
#ifdef PNG_SKIP_sRGB_CHECK_PROFILE
    png_set_option(encoder->png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
#endif
    png_set_compression_level(encoder->png, level);
    png_set_IHDR(encoder->png, encoder->info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (icc && icc_length > 0) png_set_iCCP(encoder->png, encoder->info, "icc", 0, icc, icc_length);
    if (comment && comment[0]) {
        png_text text;
        memset(&text, 0, sizeof text);
        text.compression = PNG_TEXT_COMPRESSION_NONE;
        text.key = (png_charp) "Comment";
        text.text = (png_charp)comment;
        png_set_text(encoder->png, encoder->info, &text, 1);
    }
    png_write_info(encoder->png, encoder->info);
    for (uint32_t y = 0; y < height; y++) png_write_row(encoder->png, pixels + (size_t)y * stride);
    png_write_end(encoder->png, NULL);
    *out = encoder->buffer;
    *out_length = encoder->length;
    png_destroy_write_struct(&encoder->png, &encoder->info);
    free(encoder);
    return 0;
}

void ippng_free(void *pointer) { free(pointer); }

uint32_t ippng_crc32(uint32_t crc, const uint8_t *bytes, size_t length) {
    return (uint32_t)crc32(crc, bytes, (uInt)length);
}
