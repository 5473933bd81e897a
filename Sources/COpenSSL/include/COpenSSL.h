// COpenSSL: the slice of OpenSSL 3 (libssl/libcrypto) the PKI module uses.
// Macros that Swift cannot import are wrapped as small functions in shim.c.
#ifndef COPENSSL_H
#define COPENSSL_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// BIO_get_mem_data is a macro; returns the length and stores the data pointer.
long copenssl_bio_get_mem_data(BIO *bio, char **data);

/// OPENSSL_free is a macro.
void copenssl_free(void *pointer);

/// ERR_GET_REASON is a static inline function; the reason code of a packed error code.
int copenssl_err_get_reason(unsigned long code);

/// ERR_GET_LIB is a static inline function; the library code of a packed error code.
int copenssl_err_get_lib(unsigned long code);

/// sk_GENERAL_NAME_num is a macro; -1 for NULL.
int copenssl_general_names_count(const GENERAL_NAMES *names);

/// sk_GENERAL_NAME_value is a macro; NULL when out of range.
const GENERAL_NAME *copenssl_general_names_value(const GENERAL_NAMES *names, int index);

/// sk_GENERAL_NAME_push is a macro; returns the new count, or 0 on failure
/// (on failure the caller still owns `name`).
int copenssl_general_names_push(GENERAL_NAMES *names, GENERAL_NAME *name);

/// The type (GEN_DNS, GEN_IPADD, ...) of a GENERAL_NAME and, for GEN_DNS and GEN_IPADD,
/// its string value (IA5String or OCTET STRING); NULL for every other type.
const ASN1_STRING *copenssl_general_name_value(const GENERAL_NAME *name, int *type);

#endif
