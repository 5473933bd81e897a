// Function wrappers for OpenSSL macros and inline functions that Swift cannot call directly.
#include "COpenSSL.h"

long copenssl_bio_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

void copenssl_free(void *pointer) {
    OPENSSL_free(pointer);
}

int copenssl_err_get_reason(unsigned long code) {
    return ERR_GET_REASON(code);
}

int copenssl_err_get_lib(unsigned long code) {
    return ERR_GET_LIB(code);
}

int copenssl_general_names_count(const GENERAL_NAMES *names) {
    if (names == NULL) {
        return -1;
    }
    return sk_GENERAL_NAME_num(names);
}

const GENERAL_NAME *copenssl_general_names_value(const GENERAL_NAMES *names, int index) {
    if (names == NULL || index < 0 || index >= sk_GENERAL_NAME_num(names)) {
        return NULL;
    }
    return sk_GENERAL_NAME_value(names, index);
}

int copenssl_general_names_push(GENERAL_NAMES *names, GENERAL_NAME *name) {
    if (names == NULL || name == NULL) {
        return 0;
    }
    return sk_GENERAL_NAME_push(names, name);
}

const ASN1_STRING *copenssl_general_name_value(const GENERAL_NAME *name, int *type) {
    if (name == NULL) {
        if (type != NULL) {
            *type = -1;
        }
        return NULL;
    }
    if (type != NULL) {
        *type = name->type;
    }
    switch (name->type) {
    case GEN_DNS:
        return name->d.dNSName;
    case GEN_IPADD:
        return name->d.iPAddress;
    default:
        return NULL;
    }
}
