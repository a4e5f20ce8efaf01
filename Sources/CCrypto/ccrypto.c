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

int fs_aes_xts_units(const uint8_t *key, size_t key_length, int encrypt, uint64_t first_tweak, size_t unit,
                     const uint8_t *input, uint8_t *output, size_t count) {
    if (unit < 16 || unit > (size_t)0x7fffffff) return 0;
    const EVP_CIPHER *c = key_length == 32 ? EVP_aes_128_xts()
                        : key_length == 64 ? EVP_aes_256_xts() : NULL;
    if (c == NULL) return 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) return 0;
    int ok = EVP_CipherInit_ex(ctx, c, NULL, key, NULL, encrypt) == 1 && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1;
    for (size_t i = 0; ok && i < count; i++) {
        uint8_t tweak[16] = {0};
        uint64_t t = first_tweak + (uint64_t)i * (uint64_t)unit;
        for (int k = 0; k < 8; k++) tweak[k] = (uint8_t)(t >> (8 * k));
        int n = 0, tail = 0;
        ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, tweak, -1) == 1
            && EVP_CipherUpdate(ctx, output + i * unit, &n, input + i * unit, (int)unit) == 1
            && EVP_CipherFinal_ex(ctx, output + i * unit + n, &tail) == 1
            && (size_t)(n + tail) == unit;
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

/* Builds a public key of `type` ("RSA" or "EC") from parameters; NULL on failure. */
static EVP_PKEY *key_from_params(const char *type, OSSL_PARAM *params) {
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL) return NULL;
    if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

int fs_rsa_pss_sha256_verify(const uint8_t *modulus, size_t modulus_length, uint32_t exponent,
                             const uint8_t *digest, size_t digest_length,
                             const uint8_t *signature, size_t signature_length) {
    int result = -1;
    BIGNUM *n = BN_bin2bn(modulus, (int)modulus_length, NULL);
    BIGNUM *e = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (n == NULL || e == NULL || bld == NULL || modulus_length > 1024 || BN_set_word(e, exponent) != 1) goto done;
    if (BN_is_zero(n) || exponent < 3) goto done;
    if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1
        || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1) goto done;
    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL || (pkey = key_from_params("RSA", params)) == NULL) goto done;
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0
        || EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0
        || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0
        || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) <= 0) goto done;
    result = EVP_PKEY_verify(ctx, signature, signature_length, digest, digest_length) == 1 ? 1 : 0;
done:
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return result;
}

int fs_ecdsa_verify(int curve_bits, const uint8_t *x, const uint8_t *y,
                    const uint8_t *r, const uint8_t *s,
                    const uint8_t *digest, size_t digest_length) {
    const char *group = curve_bits == 192 ? "prime192v1" : curve_bits == 256 ? "prime256v1"
                      : curve_bits == 384 ? "secp384r1" : NULL;
    if (group == NULL) return -1;
    size_t n = (size_t)curve_bits / 8;
    int result = -1;
    uint8_t point[1 + 2 * 48];
    point[0] = 0x04;
    memcpy(point + 1, x, n);
    memcpy(point + 1 + n, y, n);
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * n);
    params[2] = OSSL_PARAM_construct_end();
    EVP_PKEY *pkey = key_from_params("EC", params);
    EVP_PKEY_CTX *ctx = NULL;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(r, (int)n, NULL), *bs = BN_bin2bn(s, (int)n, NULL);
    unsigned char *der = NULL;
    int der_length = 0;
    if (pkey == NULL || sig == NULL || br == NULL || bs == NULL) goto done;
    if (ECDSA_SIG_set0(sig, br, bs) != 1) goto done;
    br = NULL; bs = NULL;   /* owned by sig now */
    der_length = i2d_ECDSA_SIG(sig, &der);
    if (der_length <= 0) goto done;
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1) goto done;
    result = EVP_PKEY_verify(ctx, der, (size_t)der_length, digest, digest_length) == 1 ? 1 : 0;
done:
    OPENSSL_free(der);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    ECDSA_SIG_free(sig);
    BN_free(br);
    BN_free(bs);
    return result;
}
