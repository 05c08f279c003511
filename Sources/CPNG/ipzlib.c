#include "ipzlib.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

int ipzlib_inflate(const uint8_t *data, size_t length, size_t max_length, uint8_t **out, size_t *out_length) {
    *out = NULL;
    *out_length = 0;
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit(&stream) != Z_OK) return -3;
    size_t capacity = length * 4 + 1024;
    if (capacity > max_length) capacity = max_length;
    uint8_t *buffer = malloc(capacity ? capacity : 1);
    if (!buffer) {
        inflateEnd(&stream);
        return -3;
    }
    stream.next_in = (Bytef *)data;
    stream.avail_in = (uInt)length;
    size_t produced = 0;
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        if (produced == capacity) {
            if (capacity >= max_length) {
                free(buffer);
                inflateEnd(&stream);
                return -2;
            }
            size_t grown_capacity = capacity * 2 > max_length ? max_length : capacity * 2;
            uint8_t *grown = realloc(buffer, grown_capacity);
            if (!grown) {
                free(buffer);
                inflateEnd(&stream);
                return -3;
            }
            buffer = grown;
            capacity = grown_capacity;
        }
        stream.next_out = buffer + produced;
        stream.avail_out = (uInt)(capacity - produced);
        status = inflate(&stream, Z_NO_FLUSH);
        produced = capacity - stream.avail_out;
        if (status != Z_OK && status != Z_STREAM_END) {
            free(buffer);
            inflateEnd(&stream);
            return -1;
        }
        if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
            /* The input ended before the stream did. */
            free(buffer);
            inflateEnd(&stream);
            return -1;
        }
    }
    inflateEnd(&stream);
    *out = buffer;
    *out_length = produced;
    return 0;
}

int ipzlib_deflate(const uint8_t *data, size_t length, uint8_t **out, size_t *out_length) {
    *out = NULL;
    *out_length = 0;
    uLongf capacity = compressBound((uLong)length);
    uint8_t *buffer = malloc(capacity);
    if (!buffer) return -3;
    if (compress2(buffer, &capacity, data, (uLong)length, Z_BEST_COMPRESSION) != Z_OK) {
        free(buffer);
        return -1;
    }
    *out = buffer;
    *out_length = capacity;
    return 0;
}

void ipzlib_free(void *pointer) { free(pointer); }

struct ipzlib_inflater {
    z_stream stream;
};

ipzlib_inflater *ipzlib_inflater_create(int check_adler32) {
    ipzlib_inflater *inflater = calloc(1, sizeof *inflater);
    if (!inflater) return NULL;
    if (inflateInit(&inflater->stream) != Z_OK) {
        free(inflater);
        return NULL;
    }
    if (!check_adler32) inflateValidate(&inflater->stream, 0);
    return inflater;
}

int ipzlib_inflater_run(ipzlib_inflater *inflater, const uint8_t **input, size_t *input_left, uint8_t **output,
                        size_t *output_left) {
    z_stream *stream = &inflater->stream;
    /* zlib counts in 32 bits: hand it at most 1 GiB of each at a time. */
    const size_t most = (size_t)1 << 30;
    uInt in = (uInt)(*input_left < most ? *input_left : most);
    uInt out = (uInt)(*output_left < most ? *output_left : most);
    stream->next_in = (Bytef *)*input;
    stream->avail_in = in;
    stream->next_out = *output;
    stream->avail_out = out;
    int status = inflate(stream, Z_NO_FLUSH);
    *input += in - stream->avail_in;
    *input_left -= in - stream->avail_in;
    *output += out - stream->avail_out;
    *output_left -= out - stream->avail_out;
    if (status == Z_STREAM_END) return 1;
    /* Z_BUF_ERROR: no progress was possible with what was given; the caller sees nothing moved. */
    return status == Z_OK || status == Z_BUF_ERROR ? 0 : -1;
}

void ipzlib_inflater_destroy(ipzlib_inflater *inflater) {
    if (!inflater) return;
    inflateEnd(&inflater->stream);
    free(inflater);
}
