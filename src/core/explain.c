/* explain.c: appending the engine's steps to a fixed buffer. */
#include "core/explain.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

void explain_init(struct explain *explain) {
    explain->len = 0;
    explain->truncated = false;
    explain->text[0] = '\0';
}

void explain_line(struct explain *explain, const char *format, ...) {
    if (explain == NULL || explain->truncated) return;
    assert(explain->len < sizeof explain->text);
    size_t room = sizeof explain->text - explain->len;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(explain->text + explain->len, room, format, args);
    va_end(args);
    if (n < 0 || (size_t)n + 1 >= room) {
        explain->text[explain->len] = '\0';
        explain->truncated = true;
        return;
    }
    explain->len += (size_t)n;
    explain->text[explain->len++] = '\n';
    explain->text[explain->len] = '\0';
}
