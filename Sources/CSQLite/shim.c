#include "CSQLite.h"

int csqlite_bind_text_transient(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

int csqlite_bind_blob_transient(sqlite3_stmt *statement, int index, const void *data, int length) {
    return sqlite3_bind_blob(statement, index, data, length, SQLITE_TRANSIENT);
}
