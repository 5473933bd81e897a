// CSQLite: the system libsqlite3 for Swift. SQLITE_TRANSIENT is a macro casting
// -1 to a function pointer, which Swift cannot import, so shim.c binds text and
// blobs with it on Swift's behalf.
#ifndef CSQLITE_H
#define CSQLITE_H

#include <sqlite3.h>

int csqlite_bind_text_transient(sqlite3_stmt *statement, int index, const char *text, int length);
int csqlite_bind_blob_transient(sqlite3_stmt *statement, int index, const void *data, int length);

#endif
