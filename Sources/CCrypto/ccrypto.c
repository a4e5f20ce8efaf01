#include "ccrypto.h"
#include <openssl/evp.h>

static int run_cipher(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *iv, int encrypt,
                      const uint8_t *input, uint8_t *output, size_t length) {
    if (cipher == NULL || length > (size_t)0x7fffffff) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return 0;
    int ok = EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, encrypt) == 1
        && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    int n = 0, tail = 0;
    if (ok) ok = EVP_CipherUpdate(ctx, output, &n, input, (int)length) == 1;
    if (ok) ok = EVP_CipherFinal_ex(ctx, output + n, &tail) == 1;
    if (ok) ok = (size_t)(n + tail) == length;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

int fs_aes_ecb(const uint8_t *key, size_t key_length, int encrypt,
               const uint8_t *input, uint8_t *output, size_t length) {
    if (length % 16 != 0) return 0;
    const EVP_CIPHER *c = key_length == 16 ? EVP_aes_128_ecb()
                        : key_length == 24 ? EVP_aes_192_ecb()
                        : key_length == 32 ? EVP_aes_256_ecb() : NULL;
    return run_cipher(c, key, NULL, encrypt, input, output, length);
}

int fs_aes_xts(const uint8_t *key, size_t key_length, int encrypt, const uint8_t tweak[16],
               const uint8_t *input, uint8_t *output, size_t length) {
    if (length < 16) return 0;
    const EVP_CIPHER *c = key_length == 32 ? EVP_aes_128_xts()
                        : key_length == 64 ? EVP_aes_256_xts() : NULL;
    return run_cipher(c, key, tweak, encrypt, input, output, length);
}
