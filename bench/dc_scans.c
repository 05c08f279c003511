/*
 * The DC-only decode against the all-scans decode, at 1/8 scale, per progressive JPEG, through imagepipe's
 * own shim (Sources/CJPEG): how much of the file each reads, how long each takes (best of 5), and how far
 * their pixels are apart, with and without waiting for the DC refinement scan. Built and run by
 * bench/dc_scans.py; prints one tab-separated line per file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipjpeg.h"

typedef struct {
    uint8_t *pixels;
    uint32_t width, height;
    int channels;
    ipjpeg_dc_progress progress;
    double seconds;
} decoded;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* mode 0: every scan; 1: DC scans; 2: DC scans and their refinement. */
static int decode(const uint8_t *data, size_t size, int mode, decoded *out) {
    double start = now();
    ipjpeg_decoder *decoder = ipjpeg_decoder_create(IPJPEG_WARN_TRUNCATED);
    ipjpeg_header header;
    int status = -1;
    if (!decoder || ipjpeg_read_header(decoder, data, size, &header) != 0) goto done;
    ipjpeg_limit_scans(decoder, 500);
    int started = mode == 0 ? ipjpeg_start(decoder, 8, &out->width, &out->height, &out->channels)
                            : ipjpeg_start_dc(decoder, mode == 2, &out->progress, &out->width, &out->height,
                                              &out->channels);
    if (started != 0) goto done;
    size_t stride = (size_t)out->width * out->channels;
    free(out->pixels);
    out->pixels = malloc(stride * out->height);
    uint32_t rows = 0;
    if (ipjpeg_read_rows(decoder, out->pixels, stride, out->height, &rows) != 0) goto done;
    if (mode == 0 && ipjpeg_finish(decoder) != 0) goto done;
    status = 0;
done:
    if (status != 0 && decoder) fprintf(stderr, "%s\n", ipjpeg_message(decoder));
    ipjpeg_decoder_destroy(decoder);
    out->seconds = now() - start;
    return status;
}

static int best_of(const uint8_t *data, size_t size, int mode, decoded *out) {
    double best = 1e9;
    for (int round = 0; round < 5; round++) {
        if (decode(data, size, mode, out) != 0) return -1;
        if (out->seconds < best) best = out->seconds;
    }
    out->seconds = best;
    return 0;
}

static double mean_difference(const decoded *a, const decoded *b) {
    size_t count = (size_t)a->width * a->height * a->channels;
    double total = 0;
    for (size_t i = 0; i < count; i++) total += abs((int)a->pixels[i] - (int)b->pixels[i]);
    return count ? total / count : 0;
}

int main(int argc, char **argv) {
    printf("file\tbytes\tscans_read\tread_percent\tall_ms\tdc_ms\trefined_scans_read\trefined_read_percent\t"
           "refined_ms\tdc_mean_diff\trefined_mean_diff\n");
    for (int i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "rb");
        if (!file) continue;
        fseek(file, 0, SEEK_END);
        size_t size = (size_t)ftell(file);
        fseek(file, 0, SEEK_SET);
        uint8_t *data = malloc(size);
        size_t got = fread(data, 1, size, file);
        fclose(file);
        decoded all = {0}, dc = {0}, refined = {0};
        if (got == size && best_of(data, size, 0, &all) == 0 && best_of(data, size, 1, &dc) == 0 &&
            best_of(data, size, 2, &refined) == 0) {
            printf("%s\t%zu\t%d\t%.1f\t%.2f\t%.2f\t%d\t%.1f\t%.2f\t%.3f\t%.3f\n", argv[i], size, dc.progress.scans,
                   100.0 * (size - dc.progress.bytes_left) / size, all.seconds * 1e3, dc.seconds * 1e3,
                   refined.progress.scans, 100.0 * (size - refined.progress.bytes_left) / size,
                   refined.seconds * 1e3, mean_difference(&dc, &all), mean_difference(&refined, &all));
        }
        free(all.pixels);
        free(dc.pixels);
        free(refined.pixels);
        free(data);
    }
    return 0;
}
