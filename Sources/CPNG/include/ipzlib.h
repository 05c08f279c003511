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

#endif
