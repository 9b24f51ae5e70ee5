/* cells.c: display-cell arithmetic over UTF-8 text. */
#include "cells.h"

#include <wchar.h>

size_t cells_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    size_t need;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < need + 1) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((u[i] & 0xC0u) != 0x80u) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return need + 1;
}

int cells_cp_width(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 1; /* drawn as a stand-in, never raw */
    int w = wcwidth((wchar_t)cp);
    if (w < 0)
        return 1;
    return w > 2 ? 2 : w;
}

size_t cells_width(const char *s, size_t len)
{
    size_t w = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        i += cells_decode(s + i, len - i, &cp);
        w += (size_t)cells_cp_width(cp);
    }
    return w;
}

size_t cells_fit(const char *s, size_t len, size_t max_cells, size_t *used)
{
    size_t w = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = cells_decode(s + i, len - i, &cp);
        int cw = cells_cp_width(cp);
        if (cw > 0 && w + (size_t)cw > max_cells)
            break;
        if (cw == 0 && i == 0 && max_cells == 0)
            break;
        w += (size_t)cw;
        i += k;
    }
    if (used)
        *used = w;
    return i;
}

size_t cells_next(const char *s, size_t len, size_t pos)
{
    if (pos >= len)
        return len;
    uint32_t cp;
    pos += cells_decode(s + pos, len - pos, &cp);
    while (pos < len) {
        size_t k = cells_decode(s + pos, len - pos, &cp);
        if (cells_cp_width(cp) != 0)
            break;
        pos += k;
    }
    return pos;
}

size_t cells_prev(const char *s, size_t len, size_t pos)
{
    if (pos > len)
        pos = len;
    /* Walk forward from the start: simple and always lands on a boundary cells_next produces. */
    size_t i = 0, last = 0;
    while (i < pos) {
        last = i;
        i = cells_next(s, len, i);
    }
    return last;
}
