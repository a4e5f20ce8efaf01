#ifndef FLASHSCOPE_CCRYPTO_H
#define FLASHSCOPE_CCRYPTO_H
// Thin shim over the system's OpenSSL libcrypto: block-cipher modes that swift-crypto does not offer
// (AES-ECB single blocks for ESP32's address-tweaked flash encryption, AES-XTS for later chips and NVS
// encryption). No cryptography is implemented here; every call goes to EVP.
#include <stddef.h>
#include <stdint.h>

// AES in ECB mode over `length` bytes (a multiple of 16), no padding. key_length 16, 24 or 32.
// encrypt: 1 encrypts, 0 decrypts. Returns 1 on success, 0 on failure.
int fs_aes_ecb(const uint8_t *key, size_t key_length, int encrypt,
               const uint8_t *input, uint8_t *output, size_t length);

// AES-XTS (IEEE 1619) over one data unit of `length` bytes (>= 16) with a 16-byte tweak.
// key_length 32 (XTS-AES-128) or 64 (XTS-AES-256). Returns 1 on success, 0 on failure.
int fs_aes_xts(const uint8_t *key, size_t key_length, int encrypt, const uint8_t tweak[16],
               const uint8_t *input, uint8_t *output, size_t length);

#endif
