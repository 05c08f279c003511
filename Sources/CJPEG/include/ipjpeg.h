#ifndef IPJPEG_H
#define IPJPEG_H
/*
 * A thin C layer over libjpeg-turbo. libjpeg reports a fatal error by calling `error_exit`, which must not
 * return; the only safe way out is a `longjmp`. Every function here that can reach libjpeg sets its own
 * `setjmp` first, so the jump lands inside this file and never crosses a Swift frame. Failures come back
 * as a return value plus a message Swift can read.
 */
#include <stddef.h>
#include <stdint.h>

/* What libjpeg warned about, sorted so that Swift can apply its `--fail-on` policy. */
#define IPJPEG_WARN_TRUNCATED 1 /* rows filled in, not decoded: premature end, lost sync, missing scans */
#define IPJPEG_WARN_CORRUPT 2   /* bad Huffman code, extraneous bytes: pixels are damaged */
#define IPJPEG_WARN_OTHER 4     /* harmless: unknown JFIF revision, odd Adobe transform, ... */

/* Colour spaces as the file stores them (libjpeg's J_COLOR_SPACE, reduced to what callers care about). */
#define IPJPEG_COLOR_GRAY 1
#define IPJPEG_COLOR_RGB 2  /* YCbCr or RGB: decoded to RGB */
#define IPJPEG_COLOR_CMYK 4 /* CMYK or YCCK: decoded to CMYK, which Swift converts to RGB */

typedef struct ipjpeg_decoder ipjpeg_decoder;

/* What the header says, read by libjpeg itself (the Swift probe reads the same facts without libjpeg). */
typedef struct {
    uint32_t width;
    uint32_t height;
    int components;
    int color;       /* IPJPEG_COLOR_* */
    int progressive; /* 1 for progressive (SOF2 and kin) */
    int saw_adobe;   /* an Adobe APP14 marker was present: CMYK data is stored inverted */
} ipjpeg_header;

/* A decoder whose warnings in `fail_mask` (IPJPEG_WARN_*) abort decoding as errors. NULL when out of memory. */
ipjpeg_decoder *ipjpeg_decoder_create(int fail_mask);
void ipjpeg_decoder_destroy(ipjpeg_decoder *decoder);

/* Reads the header from a complete in-memory file. The data must outlive the decoder. 0 on success. */
int ipjpeg_read_header(ipjpeg_decoder *decoder, const uint8_t *data, size_t size, ipjpeg_header *header);

/* The embedded ICC profile, reassembled from its APP2 segments; free it with ipjpeg_free. 0 when absent. */
int ipjpeg_copy_icc(ipjpeg_decoder *decoder, uint8_t **profile, unsigned int *length);

/* Starts decompression at 1/`scale_denom` of the stored size (1, 2, 4 or 8). Gives the output size and
   the number of channels per pixel (1 grey, 3 RGB, 4 CMYK). 0 on success. */
int ipjpeg_start(ipjpeg_decoder *decoder, int scale_denom, uint32_t *width, uint32_t *height, int *channels);

/* Decodes up to `max_rows` rows into `pixels` (rows `stride` bytes apart); `rows_read` says how many. */
int ipjpeg_read_rows(ipjpeg_decoder *decoder, uint8_t *pixels, size_t stride, uint32_t max_rows,
                     uint32_t *rows_read);

/* Reads to the end-of-image marker, so that damage after the last row is noticed too, and reports a
   progressive file whose scans stop early as truncated. 0 on success. */
int ipjpeg_finish(ipjpeg_decoder *decoder);

/* Refuses, as an error, a file that reaches scan number `limit` + 1. Each scan of a progressive JPEG walks
   every block of the image, so a small hostile file with thousands of scans takes minutes to decode
   (libjpeg-turbo issue 284). Call before ipjpeg_start or ipjpeg_start_dc. */
void ipjpeg_limit_scans(ipjpeg_decoder *decoder, int limit);
/* The scan number that went past the limit after a failure, else 0. */
int ipjpeg_scans_refused(const ipjpeg_decoder *decoder);

/* How far ipjpeg_start_dc read. */
typedef struct {
    int scans;            /* scans read, in whole */
    size_t bytes_left;    /* bytes of the file not read */
    int dc_refined;       /* 1 when every component's DC has its full precision (no refinement scan pending) */
} ipjpeg_dc_progress;

/* Progressive files only: starts decompression at 1/8 of the stored size, where each output pixel is its
   block's DC coefficient, and reads scans only until every component's DC coefficients are in (with
   `wait_for_refinement`, until their last successive-approximation bit is in too). The rows are then read
   with ipjpeg_read_rows; the rest of the file is never read, so ipjpeg_finish must not be called (destroying
   the decoder aborts decompression). Same outputs as ipjpeg_start. 0 on success. */
int ipjpeg_start_dc(ipjpeg_decoder *decoder, int wait_for_refinement, ipjpeg_dc_progress *progress,
                    uint32_t *width, uint32_t *height, int *channels);
/* After ipjpeg_read_header: the bytes of the coefficient store libjpeg keeps for a file of several scans
   (progressive, or one scan per component), 128 per 8×8 block of every component; 0 for one scan. */
long ipjpeg_coefficient_bytes(const ipjpeg_decoder *decoder);

/* Caps what libjpeg's memory manager may hold at once (libjpeg's max_memory_to_use: the coefficients of
   a progressive file, about 2 bytes per sample, are most of it); beyond it libjpeg fails with
   JERR_NO_BACKING_STORE instead of allocating. Call before ipjpeg_start. */
void ipjpeg_set_memory_limit(ipjpeg_decoder *decoder, long bytes);
/* 1 when the last failure was the memory limit above. */
int ipjpeg_over_memory_limit(const ipjpeg_decoder *decoder);

/* IPJPEG_WARN_* bits for every warning seen so far. */
int ipjpeg_warnings(const ipjpeg_decoder *decoder);
/* The error message after a failure, else the first warning, else "". Owned by the decoder. */
const char *ipjpeg_message(const ipjpeg_decoder *decoder);

/* Encodes `height` rows of `channels` (1 grey, 3 RGB, 4 CMYK) into a new JPEG in memory, with an optional
   COM marker; free `*out` with
   ipjpeg_free. `message` receives libjpeg's text on failure (at least 200 bytes). 0 on success. */
int ipjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int channels,
                  int quality, int progressive, const uint8_t *icc, unsigned int icc_length, const char *comment,
                  uint8_t **out, unsigned long *out_length, char *message);

/* One scan of a progressive scan script, as in libjpeg's jpeg_scan_info. */
typedef struct {
    int components;       /* 1 to 4 */
    int component[4];     /* their indexes in the frame */
    int Ss, Se;           /* spectral selection: 0,0 for DC */
    int Ah, Al;           /* successive approximation: previous and current low bit */
} ipjpeg_scan;

/* Re-encodes a JPEG losslessly (same coefficients) with the scan script `scans`, as `jpegtran -scans`
   does, so that tests can make progressive files of any structure; free `*out` with ipjpeg_free.
   `message` receives libjpeg's text on failure (at least 200 bytes). 0 on success. */
int ipjpeg_rescan(const uint8_t *jpeg, size_t size, const ipjpeg_scan *scans, int count, uint8_t **out,
                  unsigned long *out_length, char *message);

void ipjpeg_free(void *pointer);

/* libjpeg allocates a progressive image's coefficients (some 30 MB for a 5K photo) with malloc, which
   maps fresh pages for every image and unmaps them after: a batch pays page faults and zeroing each time.
   This asks glibc to serve allocations up to `bytes` from the heap and keep them for the next image, in one
   heap for all threads (glibc otherwise gives each worker thread its own arena, and each arena would keep
   its own copy of the largest buffer it ever held). Process-wide, so only a command that decodes many
   images in a row should call it. */
void ipjpeg_keep_large_buffers(int bytes);

/* Gives the heap's free pages back to the system (glibc's malloc_trim), wherever they lie. Called after a
   decode whose buffer was too large to keep: in one shared heap, a smaller allocation of another thread
   can settle into the freed space, so the next large buffer no longer fits there and the heap grows by a
   whole buffer while the old pages stay resident. */
void ipjpeg_release_free_memory(void);

#endif
