// CCurl: libcurl for Swift. curl_easy_setopt/getinfo are variadic, which Swift
// cannot call, so each option type gets a typed wrapper in shim.c.
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length);
CURLcode ccurl_setopt_write_function(CURL *handle, size_t (*fn)(char *, size_t, size_t, void *));
CURLcode ccurl_setopt_header_function(CURL *handle, size_t (*fn)(char *, size_t, size_t, void *));
CURLcode ccurl_setopt_read_function(CURL *handle, size_t (*fn)(char *, size_t, size_t, void *));
CURLcode ccurl_setopt_xferinfo_function(CURL *handle, int (*fn)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t));
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLSHcode ccurl_share_setopt_long(CURLSH *share, CURLSHoption option, long value);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// Options and values that are C macros Swift does not import (or imports with
/// the wrong type), exposed as constants of the type the API takes.
static const long CCURL_PIPE_MULTIPLEX = CURLPIPE_MULTIPLEX;
static const long CCURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;
static const int CCURL_ERROR_SIZE = CURL_ERROR_SIZE;

#endif
