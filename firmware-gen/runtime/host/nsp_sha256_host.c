/*
 * nsp_sha256_host.c - nsp_sha256_host FILE prints the SHA-256 of FILE twice: hashed in one call, and fed to
 * the incremental API in chunks of 1, 2, 3, ... bytes (so every block-boundary split is exercised).
 * For the FIPS 180-4 vector tests.
 */
#include <stdio.h>

#include "nsp_sha256.h"

static unsigned char data[1u << 21];

static void print(const uint8_t digest[32])
{
    int i;
    for (i = 0; i < 32; i++)
        printf("%02x", digest[i]);
    printf("\n");
}

int main(int argc, char **argv)
{
    FILE *file;
    size_t length, at, chunk;
    uint8_t digest[32];
    nsp_sha256_context context;
    if (argc != 2 || (file = fopen(argv[1], "rb")) == NULL) {
        fprintf(stderr, "usage: nsp_sha256_host FILE\n");
        return 1;
    }
    length = fread(data, 1, sizeof(data), file);
    fclose(file);
    nsp_sha256(data, length, digest);
    print(digest);
    nsp_sha256_init(&context);
    for (at = 0, chunk = 1; at < length; at += chunk, chunk++)
        nsp_sha256_update(&context, data + at, chunk < length - at ? chunk : length - at);
    nsp_sha256_final(&context, digest);
    print(digest);
    return 0;
}
