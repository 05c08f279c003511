#ifndef IPPNG_H
#define IPPNG_H
/*
 * A thin C layer over libpng. libpng reports a fatal error by calling an error function that must not
 * return; the way out is a `longjmp`. Each function here that can reach libpng sets its own `setjmp`
 * first, so the jump lands inside this file and never crosses a Swift frame.
 */
#include <stddef.h>
#include <stdint.h>

/* What went wrong or was warned about, sorted for the caller's `--fail-on` policy. */
#define IPPNG_WARN_TRUNCATED 1 /* the file or its image data ended before the last row */
#define IPPNG_WARN_CORRUPT 2   /* CRC mismatch, too much or too little image data */
#define IPPNG_WARN_OTHER 4     /* harmless: a known-incorrect sRGB profile, an odd ancillary chunk */

typedef struct ippng_decoder ippng_decoder;

/* The header after the decoder's transforms: palettes and tRNS expanded, 16-bit scaled to 8, grey kept grey. */
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;  /* as stored */
    int color_type; /* as stored: PNG_COLOR_TYPE_* */
    int interlaced; /* Adam7 */
    int channels;   /* per output pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
} ippng_header;

/* A decoder over a complete in-memory file (which must outlive it); warnings in `fail_mask` (IPPNG_WARN_*)
   abort decoding as errors. NULL when out of memory. */
ippng_decoder *ippng_decoder_create(const uint8_t *data, size_t size, int fail_mask);
void ippng_decoder_destroy(ippng_decoder *decoder);

/* Skips zlib's Adler-32 check of the image data (call before ippng_read_header). Every IDAT chunk's own
   CRC is still checked, and a damaged chunk is still an error, so only an encoder that wrote a wrong
   checksum over intact bytes goes unseen; for thumbnails, where the check costs a twentieth of the time. */
void ippng_skip_adler32(ippng_decoder *decoder);

/* Reads every chunk up to the image data and sets up the transforms. 0 on success. */
int ippng_read_header(ippng_decoder *decoder, ippng_header *header);

/* The iCCP profile, decompressed; the pointer stays valid until the decoder is destroyed. 0 when absent. */
int ippng_icc(ippng_decoder *decoder, const uint8_t **profile, uint32_t *length);

/* Decodes the whole image, every interlace pass included, into rows `stride` bytes apart. 0 on success;
   on failure `rows_done` says how many rows of a non-interlaced image are complete. */
int ippng_read_image(ippng_decoder *decoder, uint8_t *pixels, size_t stride, uint32_t *rows_done);

/* Decodes the next `count` rows of a non-interlaced image, for callers that stream. 0 on success. */
int ippng_read_rows(ippng_decoder *decoder, uint8_t *pixels, size_t stride, uint32_t count);

/* For checking without a picture: call before ippng_read_header, then ippng_check_rows. An interlaced
   image's passes are then read as stored rather than combined, which needs one row of memory, not all. */
void ippng_keep_passes_apart(ippng_decoder *decoder);

/* Decodes every row of every pass into `row` (room for one full row after the transforms), each over the
   last: the same checks as decoding the picture, in the memory of one row. 0 on success. */
int ippng_check_rows(ippng_decoder *decoder, uint8_t *row);

/* Reads the chunks after the image data up to IEND, so that a damaged or missing end is noticed. */
int ippng_finish(ippng_decoder *decoder);

int ippng_warnings(const ippng_decoder *decoder);
/* The category (IPPNG_WARN_*) of the failure, or 0 for a plain error such as a bad chunk. */
int ippng_failure_kind(const ippng_decoder *decoder);
/* The error message after a failure, else the first warning, else "". Owned by the decoder. */
const char *ippng_message(const ippng_decoder *decoder);

/* Encodes rows of `channels` (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) at 8 bits into a new PNG in memory,
   zlib `level` 0-9, with an optional tEXt "Comment"; free `*out` with ippng_free. `message` receives libpng's text (at least 256 bytes). */
int ippng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int channels, int level,
                 const uint8_t *icc, uint32_t icc_length, const char *comment, uint8_t **out, size_t *out_length,
                 char *message);

void ippng_free(void *pointer);

/* zlib's CRC-32, which PNG chunks use: the Swift probe checks the IHDR chunk with it. */
uint32_t ippng_crc32(uint32_t crc, const uint8_t *bytes, size_t length);

#endif
