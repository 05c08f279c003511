#ifndef IPZLIB_H
#define IPZLIB_H
/*
 * zlib for the compressed text chunks of PNG metadata (zTXt, compressed iTXt). zlib reports by return
 * value, so nothing here jumps; it lives beside the libpng shim because that target already links zlib.
 */
#include <stddef.h>
#include <stdint.h>

/* Inflates a zlib stream into a new buffer of at most `max_length` bytes (free it with ipzlib_free).
   0 on success; -1 for damaged data, -2 when the output would exceed `max_length`, -3 out of memory. */
int ipzlib_inflate(const uint8_t *data, size_t length, size_t max_length, uint8_t **out, size_t *out_length);

/* Deflates `length` bytes into a new zlib stream (free it with ipzlib_free). 0 on success. */
int ipzlib_deflate(const uint8_t *data, size_t length, uint8_t **out, size_t *out_length);

void ipzlib_free(void *pointer);

/* A zlib stream inflated piece by piece, for PNG image data read outside libpng (see PNGRowPipeline). */
typedef struct ipzlib_inflater ipzlib_inflater;

/* NULL when out of memory. `check_adler32` 0 leaves the stream's Adler-32 uncomputed and unchecked, as
   libpng's PNG_IGNORE_ADLER32 does (zlib's inflateValidate). */
ipzlib_inflater *ipzlib_inflater_create(int check_adler32);

/* One step of inflating from `*input` (`*input_left` bytes) into `*output` (`*output_left` bytes), advancing
   both: 1 when the stream has ended, -1 when the data is damaged, else 0 (the caller sees whether
   anything moved; when nothing did, the stream needs more input). */
int ipzlib_inflater_run(ipzlib_inflater *inflater, const uint8_t **input, size_t *input_left, uint8_t **output,
                        size_t *output_left);

void ipzlib_inflater_destroy(ipzlib_inflater *inflater);

#endif
