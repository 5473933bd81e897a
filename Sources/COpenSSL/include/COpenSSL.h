// COpenSSL: the slice of OpenSSL 3 (libssl/libcrypto) the PKI module uses.
// Macros that Swift cannot import are wrapped as small inline functions in shim.c.
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
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// BIO_get_mem_data is a macro; returns the length and stores the data pointer.
long copenssl_bio_get_mem_data(BIO *bio, char **data);

#endif
