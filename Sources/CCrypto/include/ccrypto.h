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

// AES-XTS over `count` consecutive data units of `unit` bytes (>= 16) with one cipher context: unit i
// uses the tweak first_tweak + i * unit as a 128-bit little-endian number (the data unit's address,
// as NVS encryption and ESP32-S/C flash encryption number them). Returns 1 on success, 0 on failure.
int fs_aes_xts_units(const uint8_t *key, size_t key_length, int encrypt, uint64_t first_tweak, size_t unit,
                     const uint8_t *input, uint8_t *output, size_t count);

// Signature verification over a digest the caller computed (no hashing here), via EVP.
// Each returns 1 when the signature verifies, 0 when it does not, -1 when the key or signature cannot
// be used at all (malformed modulus, point not on the curve, OpenSSL without the curve).

// RSA-PSS, MGF1 and message digest SHA-256, salt length 32. modulus big-endian; signature big-endian.
int fs_rsa_pss_sha256_verify(const uint8_t *modulus, size_t modulus_length, uint32_t exponent,
                             const uint8_t *digest, size_t digest_length,
                             const uint8_t *signature, size_t signature_length);

// ECDSA over a prime curve: curve_bits 192 (P-192), 256 (P-256) or 384 (P-384). x, y, r, s big-endian,
// each curve_bits/8 bytes. The digest is used as given (truncated to the curve's size as ECDSA requires).
int fs_ecdsa_verify(int curve_bits, const uint8_t *x, const uint8_t *y,
                    const uint8_t *r, const uint8_t *s,
                    const uint8_t *digest, size_t digest_length);

#endif
