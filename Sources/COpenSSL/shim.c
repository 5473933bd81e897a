// Function wrappers for OpenSSL macros that Swift cannot call directly.
#include "COpenSSL.h"

long copenssl_bio_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}
